/**
 * The whole engine under a compressed budget, in real time: the real RateLimiter, PolygonClient,
 * sandbox over HTTP, PostgreSQL store, AssetUpdater and BatchOrchestrator. The sandbox's own log
 * is the witness: no 6 s window may see more than 5 requests, and no request may be refused.
 */
import { setTimeout as sleep } from "node:timers/promises";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { AssetCatalog, DEFAULT_ASSETS } from "../../../src/config/priority-assets.js";
import { type OpenedEvents, openEvents } from "../../../src/events/open-events.js";
import type { BatchResult } from "../../../src/models/batch.js";
import { PolygonClient } from "../../../src/providers/polygon-client.js";
import { RateLimiter } from "../../../src/providers/rate-limiter.js";
import { type Sandbox, startSandbox } from "../../../src/providers/sandbox/server.js";
import { AssetUpdater } from "../../../src/services/asset-updater.js";
import { BatchOrchestrator } from "../../../src/services/batch-orchestrator.js";
import { systemClock } from "../../../src/services/clock.js";
import { PriorityQueue } from "../../../src/services/priority-queue.js";
import { type OpenedStore, openStore } from "../../../src/store/open-store.js";
import { FakeLogger } from "../../support/fakes.js";
import { createTestDatabase, type TestDatabase } from "../../support/postgres.js";

const KEY = "engine-budget-key-5c2e";
const LIMIT = 5;
const WINDOW_MS = 6000;
const RUN_MS = 20_000;
const CRITICAL = ["XAUUSD", "EURUSD", "BTCUSD"];

interface CompletedBatch {
  trigger: BatchResult["trigger"];
  updated: string[];
  failed: number;
  apiCalls: number;
}

describe("engine under a compressed budget (5 calls per 6 s, real time)", () => {
  let sandbox: Sandbox;
  let database: TestDatabase;
  let opened: OpenedStore;
  let events: OpenedEvents;
  let client: PolygonClient;

  beforeAll(async () => {
    sandbox = await startSandbox({ keys: [{ key: KEY, plan: "paid", limit: LIMIT, windowMs: WINDOW_MS }] });
    database = await createTestDatabase();
    opened = await openStore({ databaseUrl: database.url, dataDir: "unused" });
    events = await openEvents({});
  });

  afterAll(async () => {
    await client?.close();
    await events?.close();
    await opened?.close();
    await database?.drop();
    await sandbox?.close();
  });

  it("never exceeds the key's budget in any window, and every priority batch updates the critical assets", async () => {
    const catalog = new AssetCatalog(DEFAULT_ASSETS);
    await opened.store.upsertCatalog(catalog.all());
    const logger = new FakeLogger();
    // Default margin (250 ms): the sandbox counts a request when it arrives.
    const budget = new RateLimiter({ limit: LIMIT, windowSeconds: WINDOW_MS / 1000, clock: systemClock });
    client = new PolygonClient({
      baseUrl: sandbox.url,
      apiKey: KEY,
      budget,
      rateLimitBackoffMs: WINDOW_MS,
      clock: systemClock,
    });
    const updater = new AssetUpdater({
      provider: client,
      store: opened.store,
      publisher: events.publisher,
      logger,
    });
    const orchestrator = new BatchOrchestrator({
      updater,
      queue: new PriorityQueue({ clock: systemClock }),
      catalog,
      store: opened.store,
      budget,
      clock: systemClock,
      logger,
      // A batch every 8 s: 3 calls of the 5 per 6.25 s, so the queue has spare tokens between
      // batches (every 6 s would leave it none, and make each batch wait for its own last calls).
      intervals: { batchSeconds: 8, queueSeconds: 1, queueItemsPerRun: 2, enqueueSeconds: 60 },
      staleAfterSeconds: 900,
    });

    const startedAt = Date.now();
    orchestrator.start();
    // Manual batches on top of the schedule: one while the budget is spent, one during a batch.
    await sleep(2000);
    const firstManual = orchestrator.runManualBatch();
    await sleep(8000);
    const secondManual = orchestrator.runManualBatch();
    const manual = await Promise.all([firstManual, secondManual]);
    await sleep(startedAt + RUN_MS - Date.now());
    // Let a batch still running finish rather than have stop() cut its budget waits short.
    while (orchestrator.status().jobs.some((job) => job.id === "priority_batch" && job.running)) {
      await sleep(50);
    }
    await orchestrator.stop();

    // The sandbox's view: nothing refused, never more than LIMIT in any WINDOW_MS.
    const log = sandbox.requestLog;
    expect(log.filter((r) => r.status !== 200)).toEqual([]);
    const arrivals = log.map((r) => r.at).sort((a, b) => a - b);
    for (let i = 0; i + LIMIT < arrivals.length; i++) {
      expect((arrivals[i + LIMIT] as number) - (arrivals[i] as number)).toBeGreaterThanOrEqual(WINDOW_MS);
    }

    // Every batch, scheduled or manual, updated all three critical assets.
    const batches = logger.entries
      .filter((e) => e.msg === "priority batch completed")
      .map((e) => e.obj as CompletedBatch);
    expect(batches.filter((b) => b.trigger === "scheduled").length).toBeGreaterThanOrEqual(3);
    expect(batches.filter((b) => b.trigger === "manual")).toHaveLength(2);
    for (const batch of batches) expect(batch).toMatchObject({ updated: CRITICAL, failed: 0, apiCalls: 3 });
    for (const result of manual) {
      expect(result).toMatchObject({ priorityUpdated: CRITICAL, priorityFailed: [], apiCallsUsed: 3 });
    }

    // The queue spent spare tokens only: each call pre-paid with one, taken when free (after a
    // wait for it, at most until the next queue tick), so no call of the queue waited for one.
    const queueRuns = logger.entries
      .filter((e) => e.msg === "queue processed")
      .map((e) => e.obj as { calls: number; updated: string[] });
    const queueUpdated = queueRuns.flatMap((run) => run.updated);
    expect(queueUpdated.length).toBeGreaterThanOrEqual(1);
    const queueFetches = logger.entries
      .filter((e) => e.msg === "assets updated")
      .map((e) => e.obj as { updated: string[]; waits: number })
      .filter((e) => e.updated.length > 0 && !e.updated.some((symbol) => CRITICAL.includes(symbol)));
    expect(queueFetches.every((e) => e.waits === 0)).toBe(true);
    // The batches' requests and the queue's pre-paid calls (one asset each in single mode),
    // nothing else.
    const queueCalls = queueRuns.reduce((sum, run) => sum + run.calls, 0);
    expect(log).toHaveLength(3 * batches.length + queueCalls);

    // The store agrees: the critical assets and the queued ones updated are SUCCESS.
    const states = await opened.store.loadAssetStates([...CRITICAL, ...queueUpdated]);
    for (const state of states) {
      expect(state.syncStatus).toBe("success");
      expect(Date.now() - (state.lastSuccessAt?.getTime() ?? 0)).toBeLessThan(RUN_MS + 5000);
    }
  }, 40_000);
});
