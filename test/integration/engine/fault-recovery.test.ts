/**
 * The real engine against the sandbox over HTTP and a real PostgreSQL store (issue 4, Tests): no
 * 429 in normal operation, and after each injected provider fault the assets it touched are
 * FAILED with the reason in data_sync_status, nothing wrong is stored, and the next batch after
 * the fault is cleared makes them SUCCESS again. A roomy budget keeps it fast.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { FaultSpec } from "../../../src/providers/sandbox/server.js";
import { CRITICAL, type Engine, startEngine } from "./engine.js";

/** Short enough for the `slow` fault and the 429 pause to cost little time. */
const REQUEST_TIMEOUT_MS = 300;
const RATE_LIMIT_BACKOFF_MS = 200;

interface FaultCase {
  name: string;
  fault: FaultSpec;
  /** Symbols the fault makes FAILED, and the text their error message must contain. */
  failed: readonly string[];
  /** `{ticker}` stands for each failed asset's Polygon ticker. */
  error: string;
}

const CASES: FaultCase[] = [
  {
    name: "5xx (nginx 502 page)",
    fault: { kind: "5xx" },
    failed: CRITICAL,
    error: "transient: Polygon server error for {ticker} (HTTP 502: non-JSON body)",
  },
  {
    name: "5xx (500 with an ERROR body)",
    fault: { kind: "5xx", status: 500 },
    failed: CRITICAL,
    error: "transient: Polygon server error for {ticker} (HTTP 500: Internal server error)",
  },
  {
    name: "a slow answer for gold, past the client timeout",
    fault: { kind: "slow", tickers: ["C:XAUUSD"], delayMs: 5 * REQUEST_TIMEOUT_MS },
    failed: ["XAUUSD"],
    error: "transient: Polygon did not answer for {ticker} in time",
  },
  {
    name: "malformed JSON",
    fault: { kind: "malformed" },
    failed: CRITICAL,
    error: "invalid_response: {ticker}: response body is not JSON (HTTP 200)",
  },
  {
    name: "429 with an empty body",
    fault: { kind: "empty429" },
    failed: CRITICAL,
    error: "rate_limited: Polygon call budget exceeded (HTTP 429: empty body)",
  },
  {
    name: "crossed forex quotes",
    fault: { kind: "crossed" },
    failed: ["XAUUSD", "EURUSD"],
    error: "invalid_response: {ticker}: crossed quote: bid",
  },
];

describe("engine recovery from provider faults (sandbox, PostgreSQL)", () => {
  let engine: Engine;

  beforeAll(async () => {
    engine = await startEngine({
      client: { requestTimeoutMs: REQUEST_TIMEOUT_MS, rateLimitBackoffMs: RATE_LIMIT_BACKOFF_MS },
      // Nearly FIFO: an updated HIGH asset, queued again for its refresh, does not come round
      // again before the MEDIUM ones queued earlier (with the default 5 min, it would).
      queueAgingMs: 1,
    });
  });
  afterAll(async () => {
    await engine?.close();
  });

  it("runs without a single 429 and makes every asset SUCCESS in normal operation", async () => {
    const { orchestrator, sandbox, catalog } = engine;
    for (let i = 0; i < 3; i++) {
      const result = await orchestrator.runManualBatch();
      expect(result).toMatchObject({ priorityUpdated: CRITICAL, priorityFailed: [], rateLimitWaits: 0 });
    }
    expect(await orchestrator.enqueueSecondary()).toHaveLength(6);
    const updated: string[] = [];
    for (let i = 0; i < 3; i++) updated.push(...(await orchestrator.processQueue()).updated);
    expect(updated.sort()).toEqual(
      catalog
        .secondaryAssets()
        .map((a) => a.symbol)
        .sort(),
    );

    expect(sandbox.requestLog.map((r) => r.status)).toEqual(Array(3 * 3 + 6).fill(200));
    const rows = await engine.syncRows();
    expect(rows.size).toBe(catalog.all().length);
    for (const [symbol, row] of rows) expect(row, symbol).toEqual({ status: "success", error: null });
  });

  it.each(CASES)("fault: $name → FAILED with the reason, SUCCESS once cleared", async (testCase) => {
    const { orchestrator, sandbox, opened } = engine;
    const before = new Map((await opened.store.loadAssetStates(CRITICAL)).map((s) => [s.symbol, s.latest]));
    const firstRequest = sandbox.requestLog.length;
    sandbox.faults.set(testCase.fault);

    const faulty = await orchestrator.runManualBatch();
    const healthy = CRITICAL.filter((symbol) => !testCase.failed.includes(symbol));
    expect(faulty.priorityFailed.map((f) => f.symbol)).toEqual(testCase.failed);
    expect(faulty.priorityUpdated).toEqual(healthy);
    const failedRows = await engine.syncRows(testCase.failed);
    for (const symbol of testCase.failed) {
      const ticker = engine.catalog.get(symbol)?.polygonTicker ?? "";
      expect(failedRows.get(symbol), symbol).toEqual({
        status: "failed",
        error: expect.stringContaining(testCase.error.replace("{ticker}", ticker)),
      });
    }
    // Nothing of a failed fetch was stored: the last good price stands.
    const during = await opened.store.loadAssetStates(testCase.failed);
    for (const state of during) expect(state.latest, state.symbol).toEqual(before.get(state.symbol));
    expect(sandbox.requestLog.slice(firstRequest).some((r) => r.faults.includes(testCase.fault.kind))).toBe(
      true,
    );

    if (testCase.fault.kind === "empty429") {
      // A refusal blocks the budget for the back-off: the key is not hammered.
      const refusals = sandbox.requestLog.slice(firstRequest).filter((r) => r.status === 429);
      expect(refusals).toHaveLength(3);
      for (let i = 1; i < refusals.length; i++) {
        const gap = (refusals[i]?.at ?? 0) - (refusals[i - 1]?.at ?? 0);
        expect(gap).toBeGreaterThanOrEqual(RATE_LIMIT_BACKOFF_MS - 5);
      }
    }

    sandbox.faults.clear();
    const recovered = await orchestrator.runManualBatch();
    expect(recovered).toMatchObject({ priorityUpdated: CRITICAL, priorityFailed: [] });
    const rows = await engine.syncRows(CRITICAL);
    for (const symbol of CRITICAL)
      expect(rows.get(symbol), symbol).toEqual({ status: "success", error: null });
    // The only 429s the key ever saw were injected ones.
    const refused = sandbox.requestLog.filter((r) => r.status === 429);
    expect(refused.every((r) => r.faults.includes("empty429"))).toBe(true);
  });

  it("retries a queued asset through requeue and demotion, then makes it SUCCESS", async () => {
    const { orchestrator, sandbox, queue } = engine;
    // The assets the first test updated are queued again for their refresh.
    queue.clear();
    expect((await orchestrator.enqueue("GBPUSD")).enqueued).toBe(true);
    const queuedAt = queue.peek();
    sandbox.faults.set({ kind: "5xx", tickers: ["C:GBPUSD"], status: 503 });

    const failing = await orchestrator.processQueue();
    expect(failing).toMatchObject({ processed: 1, updated: [], requeued: ["GBPUSD"], dropped: [] });
    expect(queue.peek()).toMatchObject({
      symbol: "GBPUSD",
      retryCount: 1,
      priority: (queuedAt?.priority ?? 0) + 1,
      lastError: expect.stringContaining("HTTP 503"),
    });
    expect((await engine.syncRows(["GBPUSD"])).get("GBPUSD")).toEqual({
      status: "failed",
      error: expect.stringContaining("transient: Polygon server error for C:GBPUSD (HTTP 503"),
    });

    sandbox.faults.clear();
    expect(await orchestrator.processQueue()).toMatchObject({ updated: ["GBPUSD"], requeued: [] });
    // Queued again for its next refresh, as a new item: catalog priority, no retry, no error.
    expect(queue.size).toBe(1);
    expect(queue.peek()).toMatchObject({
      symbol: "GBPUSD",
      priority: queuedAt?.priority,
      retryCount: 0,
      lastError: null,
    });
    expect((await engine.syncRows(["GBPUSD"])).get("GBPUSD")).toEqual({ status: "success", error: null });
  });
});
