/** Shared pieces of the provider integration tests: assets, keys, a fake budget, servers. */
import { createServer, type RequestListener, type Server } from "node:http";
import { afterEach } from "vitest";
import type { FetchMode } from "../../../src/config/settings.js";
import type { AssetRef, AssetSnapshot } from "../../../src/models/batch.js";
import type { ProviderError } from "../../../src/models/errors.js";
import { PolygonClient, type PolygonClientOptions } from "../../../src/providers/polygon-client.js";
import { type Sandbox, type SandboxOptions, startSandbox } from "../../../src/providers/sandbox/server.js";
import type { CallBudget, CallUsage, Logger, SnapshotOutcome } from "../../../src/services/ports.js";

export const XAUUSD: AssetRef = { symbol: "XAUUSD", polygonTicker: "C:XAUUSD", assetType: "forex" };
export const EURUSD: AssetRef = { symbol: "EURUSD", polygonTicker: "C:EURUSD", assetType: "forex" };
export const BTCUSD: AssetRef = { symbol: "BTCUSD", polygonTicker: "X:BTCUSD", assetType: "crypto" };
export const ETHUSDT: AssetRef = { symbol: "ETHUSDT", polygonTicker: "X:ETHUSDT", assetType: "crypto" };
export const GBPUSD: AssetRef = { symbol: "GBPUSD", polygonTicker: "C:GBPUSD", assetType: "forex" };
export const FOOBAR: AssetRef = { symbol: "FOOBAR", polygonTicker: "C:FOOBAR", assetType: "forex" };

/** The spec's priority batch: 2 forex + 1 crypto. */
export const CRITICAL: readonly AssetRef[] = [XAUUSD, EURUSD, BTCUSD];

export const MODES: readonly FetchMode[] = ["single", "multi", "universal", "prev"];
export const SNAPSHOT_MODES: readonly FetchMode[] = ["single", "multi", "universal"];

export const PAID_KEY = "paid-key-4d1c9e";
export const FREE_KEY = "free-key-82b7aa";

export type TestBudget = CallBudget & { acquired: number; blocks: number[] };

/**
 * A call budget that answers at once and reports `waitedMs` as the time it waited, recording
 * acquires and blockUntil calls. The real limiter is src/providers/rate-limiter.ts; these tests
 * are about HTTP, not pacing.
 */
export function instantBudget(waitedMs = 0): TestBudget {
  return {
    acquired: 0,
    blocks: [],
    blockUntil(epochMs) {
      this.blocks.push(epochMs);
    },
    async acquire(signal) {
      signal?.throwIfAborted();
      this.acquired += 1;
      return waitedMs;
    },
    tryAcquire() {
      this.acquired += 1;
      return true;
    },
    remaining: () => Number.POSITIVE_INFINITY,
    stats: () => ({
      limit: 0,
      windowSeconds: 0,
      currentCalls: 0,
      remaining: 0,
      resetAt: new Date(0),
      totalCalls: 0,
      totalWaits: 0,
    }),
  };
}

const cleanups: Array<() => Promise<void>> = [];

/** Registers the per-test cleanup; call once at the top level of a test file. */
export function cleanUpAfterEach(): void {
  afterEach(async () => {
    for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
  });
}

export function onCleanup(cleanup: () => Promise<void>): void {
  cleanups.push(cleanup);
}

/** A sandbox with a paid and a free key, both allowing `limit` calls a minute. */
export async function sandboxWithKeys(limit = 100, options: SandboxOptions = {}): Promise<Sandbox> {
  const sandbox = await startSandbox({
    keys: [
      { key: PAID_KEY, plan: "paid", limit, windowMs: 60_000 },
      { key: FREE_KEY, plan: "free", limit, windowMs: 60_000 },
    ],
    ...options,
  });
  onCleanup(() => sandbox.close());
  return sandbox;
}

export function clientFor(options: Partial<PolygonClientOptions> & { baseUrl: string }): PolygonClient {
  const client = new PolygonClient({ apiKey: PAID_KEY, budget: instantBudget(), ...options });
  onCleanup(() => client.close());
  return client;
}

/** A Logger port that keeps every entry, to check what reaches the logs. */
export function recordingLogger(): Logger & { entries: unknown[] } {
  const entries: unknown[] = [];
  const record = (obj: object, msg?: string) => {
    entries.push({ ...obj, msg });
  };
  return { entries, debug: record, info: record, warn: record, error: record };
}

export function newUsage(): CallUsage {
  return { calls: 0, waits: 0 };
}

export function failureOf(outcome: SnapshotOutcome | undefined): ProviderError {
  if (!outcome || outcome.ok) throw new Error(`expected a failure, got ${JSON.stringify(outcome)}`);
  return outcome.error;
}

export function snapshotOf(outcome: SnapshotOutcome | undefined): AssetSnapshot {
  if (!outcome) throw new Error("no outcome");
  if (!outcome.ok) throw outcome.error;
  return outcome.snapshot;
}

/** A plain HTTP server; the default handler accepts requests and never answers them. */
export async function startServer(
  handler: RequestListener = () => {},
): Promise<{ url: string; server: Server }> {
  const server = createServer(handler);
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const address = server.address();
  if (address === null || typeof address === "string") throw new Error("no TCP address");
  onCleanup(() => closeServer(server));
  return { url: `http://127.0.0.1:${address.port}`, server };
}

export function closeServer(server: Server): Promise<void> {
  return new Promise((resolve) => {
    server.close(() => resolve());
    server.closeAllConnections();
  });
}

/** Method, path and status of each request the sandbox answered. */
export function requestsOf(sandbox: Sandbox): Array<{ path: string; status: number }> {
  return sandbox.requestLog.map(({ path, status }) => ({ path, status }));
}
