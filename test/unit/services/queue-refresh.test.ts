/**
 * The queue on the spare budget: continuous refresh of the secondary assets, waits for a token
 * about to free (never past the next queue tick), and calls shared by several assets
 * (MarketDataProvider.callsFor) in multi- and universal-like modes.
 */
import { afterEach, describe, expect, it, vi } from "vitest";
import { AssetPriority } from "../../../src/models/batch.js";
import type { QueueRunReport } from "../../../src/services/batch-orchestrator.js";
import { FakeClock, type FakeLogger, providerError, settle, timerClock } from "../../support/fakes.js";
import { createHarness, type HarnessOptions } from "./harness.js";

const SECOND = 1000;
const HIGH = ["ETHUSDT", "GBPUSD", "USDJPY"];
const MEDIUM = ["XAGUSD", "AUDUSD", "USDCAD"];
const started: ReturnType<typeof createHarness>[] = [];

function setup(options: Omit<HarnessOptions, "clock"> & { clock?: HarnessOptions["clock"] } = {}) {
  const clock = options.clock ?? new FakeClock();
  const harness = createHarness({ ...options, clock });
  started.push(harness);
  return { ...harness, clock };
}

afterEach(async () => {
  for (const { provider } of started) provider.release();
  await Promise.all(started.splice(0).map(({ orchestrator }) => orchestrator.stop()));
  vi.useRealTimers();
});

function queueRuns(logger: FakeLogger): Partial<QueueRunReport>[] {
  return logger.entries.filter((e) => e.msg === "queue processed").map((e) => e.obj as QueueRunReport);
}

describe("continuous refresh", () => {
  it("queues an updated secondary asset again at its catalog priority, as a new item, keeping SUCCESS", async () => {
    const clock = new FakeClock();
    const { orchestrator, queue, store } = setup({ clock });
    // A one-off boost: EnqueueAsset at CRITICAL.
    await orchestrator.enqueue("GBPUSD", AssetPriority.CRITICAL);
    await clock.advance(5 * SECOND);

    const report = await orchestrator.processQueue();

    expect(report).toMatchObject({ calls: 1, updated: ["GBPUSD"], refreshed: ["GBPUSD"] });
    expect(queue.peek()).toEqual({
      symbol: "GBPUSD",
      polygonTicker: "C:GBPUSD",
      assetType: "forex",
      priority: AssetPriority.HIGH,
      enqueuedAt: clock.now(),
      retryCount: 0,
      lastError: null,
    });
    expect(store.status.get("GBPUSD")?.status).toBe("success");
    expect(store.statusWrites.flat().filter((w) => w.status === "pending")).toHaveLength(1);
  });

  it("never promotes an asset queued again while it was updated: the queued item keeps its priority", async () => {
    const { orchestrator, queue, provider } = setup();
    await orchestrator.enqueue("GBPUSD");
    provider.hold();
    const run = orchestrator.processQueue();
    await settle();
    // While the update runs, GBPUSD is queued again at LOW.
    expect(await orchestrator.enqueue("GBPUSD", AssetPriority.LOW)).toMatchObject({ enqueued: true });
    provider.release();

    expect(await run).toMatchObject({ updated: ["GBPUSD"], refreshed: [] });
    expect(queue.size).toBe(1);
    expect(queue.peek()).toMatchObject({ symbol: "GBPUSD", priority: AssetPriority.LOW });
  });

  it("does not refresh a critical asset: only the priority batch keeps those fresh", async () => {
    const { orchestrator, queue } = setup();
    await orchestrator.enqueue("XAUUSD", AssetPriority.LOW);
    expect(await orchestrator.processQueue()).toMatchObject({ updated: ["XAUUSD"], refreshed: [] });
    expect(queue.isEmpty).toBe(true);
  });

  it("does not refresh a failed asset (it is requeued with demotion) nor a dropped one", async () => {
    const { orchestrator, queue, provider } = setup();
    await orchestrator.enqueue("GBPUSD");
    await orchestrator.enqueue("USDJPY");
    provider.script("GBPUSD", providerError("transient", "HTTP 502"));
    provider.script("USDJPY", providerError("not_found", "unknown ticker"));
    const report = await orchestrator.processQueue();
    expect(report).toMatchObject({ requeued: ["GBPUSD"], dropped: ["USDJPY"], refreshed: [] });
    expect(queue.peek()).toMatchObject({ symbol: "GBPUSD", priority: AssetPriority.MEDIUM, retryCount: 1 });
    expect(queue.size).toBe(1);
  });

  it("skips the refresh when the queue is full; the periodic refill brings the asset back", async () => {
    const { orchestrator, queue, provider } = setup({ maxQueueSize: 1, intervals: { queueItemsPerRun: 1 } });
    await orchestrator.enqueue("GBPUSD");
    provider.hold();
    const run = orchestrator.processQueue();
    await settle();
    await orchestrator.enqueue("USDJPY");
    provider.release();

    expect(await run).toMatchObject({ updated: ["GBPUSD"], refreshed: [] });
    expect(queue.peek()?.symbol).toBe("USDJPY");
    expect(queue.size).toBe(1);
  });

  it("tries each asset at most once per run: a lone asset is not updated twice in a row", async () => {
    const { orchestrator, provider } = setup({ intervals: { queueItemsPerRun: 5 } });
    await orchestrator.enqueue("GBPUSD");
    expect(await orchestrator.processQueue()).toMatchObject({
      calls: 1,
      processed: 1,
      refreshed: ["GBPUSD"],
      noSpareBudget: false,
    });
    expect(provider.requests).toEqual([["GBPUSD"]]);
  });

  it("cycles through the secondary assets on the spare budget, and the priority batch never waits", async () => {
    vi.useFakeTimers({ now: Date.UTC(2026, 0, 5, 12, 0, 0) });
    const t0 = Date.now();
    // The spec's budget and the default intervals: 5 calls a minute, batch every 300 s, queue
    // every 15 s × 2 calls, refill every 1800 s.
    const { orchestrator, budget, store, logger } = setup({
      clock: timerClock,
      rateLimit: 5,
      rateMarginMs: 250,
    });
    orchestrator.start();
    await vi.advanceTimersByTimeAsync(2 * 3600 * SECOND);

    // Every critical asset at every batch, none waiting for a token.
    const batches = logger.entries.filter((e) => e.msg === "priority batch completed");
    expect(batches).toHaveLength(1 + 24);
    expect(batches.every((e) => (e.obj as { rateLimitWaits: number }).rateLimitWaits === 0)).toBe(true);
    // All the budget but what the reservation must keep idle before each batch (3 per batch).
    const stats = budget.stats();
    expect(stats.totalCalls).toBeGreaterThanOrEqual(2 * 255);
    expect(stats.totalWaits).toBe(0);

    // Longest time without an update, per asset, after the first 10 minutes.
    const updates = store.saved.flat().map((s) => [s.symbol, s.timestamp.getTime()] as const);
    const longestGap = (symbol: string): number => {
      const times = [t0 + 600 * SECOND, ...updates.filter(([s]) => s === symbol).map(([, at]) => at)];
      times.push(Date.now());
      const sorted = times.filter((at) => at >= t0 + 600 * SECOND).sort((a, b) => a - b);
      return Math.max(...sorted.slice(1).map((at, i) => at - (sorted[i] as number))) / SECOND;
    };
    for (const symbol of ["XAUUSD", "EURUSD", "BTCUSD"]) expect(longestGap(symbol)).toBeLessThanOrEqual(301);
    // HIGH assets: about every 100 s; MEDIUM ones wait up to one aging step (300 s) longer.
    for (const symbol of HIGH) expect(longestGap(symbol)).toBeLessThanOrEqual(180);
    for (const symbol of MEDIUM) expect(longestGap(symbol)).toBeLessThanOrEqual(180 + 300);
  });
});

describe("queue waits for a spare token", () => {
  it("waits at a tick for a token that frees before the next tick; gives up at once when it frees later", async () => {
    vi.useFakeTimers({ now: Date.UTC(2026, 0, 5, 12, 0, 0) });
    // 5 calls per 60 s, each counting 60.25 s: the batch at start spends 3, the first queue run 2.
    const { orchestrator, budget, logger } = setup({ clock: timerClock, rateLimit: 5, rateMarginMs: 250 });
    orchestrator.start();
    await vi.advanceTimersByTimeAsync(15 * SECOND);
    expect(queueRuns(logger)).toEqual([expect.objectContaining({ calls: 2, waitedMs: 0 })]);

    // The ticks at 30 s and 45 s find no token before the next tick (the first frees at 60.25 s).
    await vi.advanceTimersByTimeAsync(30 * SECOND);
    const gaveUp = logger.entries.filter((e) => e.msg === "no spare call budget for the queue");
    expect(gaveUp.map((e) => e.obj)).toEqual([
      { queueSize: 6, waitedMs: 0 },
      { queueSize: 6, waitedMs: 0 },
    ]);
    expect(orchestrator.status().jobs.find((j) => j.id === "queue_processor")?.running).toBe(false);

    // The tick at 60 s waits 250 ms for the batch's tokens, then makes its two calls.
    await vi.advanceTimersByTimeAsync(15 * SECOND + 250);
    expect(queueRuns(logger).at(-1)).toMatchObject({ calls: 2, waitedMs: 250, noSpareBudget: false });
    expect(budget.stats()).toMatchObject({ totalCalls: 7, totalWaits: 0 });
  });

  it("stop ends a run waiting for a token at once, spending nothing more", async () => {
    vi.useFakeTimers({ now: Date.UTC(2026, 0, 5, 12, 0, 0) });
    const { orchestrator, budget, logger } = setup({ clock: timerClock, rateLimit: 5, rateMarginMs: 250 });
    orchestrator.start();
    await vi.advanceTimersByTimeAsync(60 * SECOND + 100);
    expect(orchestrator.status().jobs.find((j) => j.id === "queue_processor")?.running).toBe(true);

    await orchestrator.stop();

    expect(budget.stats().totalCalls).toBe(5);
    expect(logger.messages("warn")).not.toContain("running work did not finish in time; aborting it");
  });
});

describe("calls shared by several assets (callsFor)", () => {
  it("multi-like: a call takes every queued asset of the head's class, pre-paid with one token", async () => {
    const { orchestrator, provider, budget, queue } = setup({ sharing: "per-class", rateLimit: 5 });
    await orchestrator.enqueueSecondary();

    const report = await orchestrator.processQueue();

    expect(provider.requests).toEqual([["ETHUSDT"], ["GBPUSD", "USDJPY", "XAGUSD", "AUDUSD", "USDCAD"]]);
    expect(report).toMatchObject({ calls: 2, processed: 6, refreshed: [...HIGH, ...MEDIUM] });
    // Exactly the two tokens pre-paid: the provider took none of its own.
    expect(budget.stats()).toMatchObject({ totalCalls: 2, totalWaits: 0 });
    expect(queue.size).toBe(6);
  });

  it("universal-like: one call for the whole queue, and no second call for assets just updated", async () => {
    const { orchestrator, provider, budget } = setup({ sharing: "per-fetch", rateLimit: 5 });
    await orchestrator.enqueueSecondary();

    expect(await orchestrator.processQueue()).toMatchObject({ calls: 1, processed: 6, noSpareBudget: false });
    expect(provider.requests).toEqual([["ETHUSDT", "GBPUSD", "USDJPY", "XAGUSD", "AUDUSD", "USDCAD"]]);
    expect(budget.stats()).toMatchObject({ totalCalls: 1, totalWaits: 0 });
  });

  it("QUEUE_ITEMS_PER_RUN caps calls: the assets a call cannot serve keep their place", async () => {
    const { orchestrator, provider, queue } = setup({
      sharing: "per-class",
      intervals: { queueItemsPerRun: 1 },
    });
    await orchestrator.enqueueSecondary();

    expect(await orchestrator.processQueue()).toMatchObject({ calls: 1, processed: 1, updated: ["ETHUSDT"] });
    expect(provider.requests).toEqual([["ETHUSDT"]]);
    // The forex items were looked at, skipped and left in order, ahead of the refreshed ETHUSDT.
    expect(queue.stats().totalProcessed).toBe(1);
    expect(queue.peek()?.symbol).toBe("GBPUSD");
  });
});
