/**
 * The queue processor and the call budget: it never waits for a token, and it leaves the next
 * priority batch the tokens that batch needs.
 */
import { afterEach, describe, expect, it, vi } from "vitest";
import type { BatchResult } from "../../../src/models/batch.js";
import { FakeClock, type FakeLogger, settle, timerClock } from "../../support/fakes.js";
import { createHarness, type HarnessOptions } from "./harness.js";

const SECOND = 1000;
const started: ReturnType<typeof createHarness>[] = [];

function setup(options: HarnessOptions) {
  const harness = createHarness(options);
  started.push(harness);
  return harness;
}

afterEach(async () => {
  for (const { provider } of started) provider.release();
  await Promise.all(started.splice(0).map(({ orchestrator }) => orchestrator.stop()));
  vi.useRealTimers();
});

function completedBatches(logger: FakeLogger): Pick<BatchResult, "trigger" | "rateLimitWaits">[] {
  return logger.entries
    .filter((e) => e.msg === "priority batch completed")
    .map((e) => e.obj as Pick<BatchResult, "trigger" | "rateLimitWaits">);
}

describe("queue processor budget (fake clock)", () => {
  it("never waits: with no spare token it stops at once and leaves the items queued", async () => {
    const clock = new FakeClock();
    const { orchestrator, queue, provider, budget } = setup({ clock, rateLimit: 3 });
    await orchestrator.runManualBatch();
    await orchestrator.enqueueSecondary();

    const report = await orchestrator.processQueue();

    expect(report).toEqual({
      processed: 0,
      calls: 0,
      updated: [],
      requeued: [],
      dropped: [],
      refreshed: [],
      noSpareBudget: true,
      waitedMs: 0,
    });
    expect(queue.size).toBe(6);
    expect(clock.sleeping).toBe(0);
    expect(provider.requests).toEqual([["XAUUSD", "EURUSD", "BTCUSD"]]);
    expect(budget.stats()).toMatchObject({ totalCalls: 3, totalWaits: 0 });
  });

  it("takes one spare token per call, and the provider spends no other", async () => {
    const clock = new FakeClock();
    // Not started: no batch is scheduled, so one may be asked for at any time; 3 of 5 stay free.
    const { orchestrator, queue, provider, budget } = setup({
      clock,
      rateLimit: 5,
      intervals: { queueItemsPerRun: 4 },
    });
    await orchestrator.enqueueSecondary();

    const report = await orchestrator.processQueue();

    expect(report).toMatchObject({
      processed: 2,
      calls: 2,
      updated: ["ETHUSDT", "GBPUSD"],
      noSpareBudget: true,
    });
    expect(provider.requests).toEqual([["ETHUSDT"], ["GBPUSD"]]);
    // The two updated are queued again for their next refresh.
    expect(queue.size).toBe(6);
    expect(budget.stats()).toMatchObject({ totalCalls: 2, totalWaits: 0, remaining: 3 });
    // The batch that may come next finds its 3 tokens.
    await expect(orchestrator.runManualBatch()).resolves.toMatchObject({ rateLimitWaits: 0 });
  });

  it("while a priority batch runs, leaves its tokens free now rather than at the next tick", async () => {
    const clock = new FakeClock();
    const { orchestrator, provider, budget, logger } = setup({ clock, rateLimit: 4 });
    provider.hold();
    orchestrator.start();
    await settle();
    // The batch at start is running (its provider call held); the next tick is 300 s away.
    const run = orchestrator.processQueue();
    await settle();
    expect(budget.stats().totalCalls).toBe(1);

    provider.release();
    expect(await run).toMatchObject({ processed: 1, noSpareBudget: true });
    await settle();
    expect(completedBatches(logger)).toEqual([expect.objectContaining({ rateLimitWaits: 0 })]);
    expect(budget.stats()).toMatchObject({ totalCalls: 4, totalWaits: 0 });
  });

  it("reserves for now when the batch's tick is due but its timer has not fired yet", async () => {
    // The fake clock moves while toad's real timers do not fire: the batch tick at 300 s is late.
    const clock = new FakeClock();
    const { orchestrator, provider } = setup({ clock, rateLimit: 5 });
    const t0 = clock.now();
    orchestrator.start();
    await settle();
    await clock.advance(290 * SECOND);
    // Reserving for the batch at 300 s leaves exactly two tokens.
    expect(await orchestrator.processQueue()).toMatchObject({ processed: 2, noSpareBudget: false });

    await clock.advance(11 * SECOND);
    expect(orchestrator.status().jobs[0]?.nextRunAt?.getTime()).toBe(t0 + 300 * SECOND);
    // Three are free now, and the overdue batch needs all three.
    expect(await orchestrator.processQueue()).toMatchObject({ processed: 0, noSpareBudget: true });
    expect(provider.requests.slice(1)).toEqual([["ETHUSDT"], ["GBPUSD"]]);
  });
});

describe("queue processor budget over time (fake timers)", () => {
  it("leaves the next priority batch its tokens: no batch waits in an hour, and the queue uses the rest", async () => {
    vi.useFakeTimers({ now: Date.UTC(2026, 0, 5, 12, 0, 0) });
    const { orchestrator, budget, logger, provider } = setup({
      clock: timerClock,
      rateLimit: 5,
      rateMarginMs: 250,
      // The queue refills every 30 s, so it always has work and always asks for tokens.
      intervals: { batchSeconds: 120, queueSeconds: 15, queueItemsPerRun: 2, enqueueSeconds: 30 },
    });
    orchestrator.start();
    await vi.advanceTimersByTimeAsync(3600 * SECOND);

    const batches = completedBatches(logger);
    expect(batches).toHaveLength(31);
    expect(batches.every((b) => b.rateLimitWaits === 0)).toBe(true);
    expect(budget.stats().totalWaits).toBe(0);
    const queueCalls = provider.requests.filter((r) => r[0] !== "XAUUSD").flat().length;
    // Per 120 s: 3 batch calls, and the queue gets 4 of the 7 others without touching the batch's.
    expect(queueCalls).toBeGreaterThanOrEqual(4 * 30);
  });
});

describe("stale check job", () => {
  it("runs at start and every min(60, staleAfterSeconds / 2) s, marking old successes STALE", async () => {
    vi.useFakeTimers({ now: Date.UTC(2026, 0, 5, 12, 0, 0) });
    const { orchestrator, store, logger } = setup({ clock: timerClock, staleAfterSeconds: 30 });
    orchestrator.start();
    await vi.advanceTimersByTimeAsync(0);
    expect(orchestrator.status().jobs.find((j) => j.id === "stale_check")?.intervalSeconds).toBe(15);
    expect(store.staleChecks).toEqual([30]);
    expect(store.status.get("XAUUSD")?.status).toBe("success");

    await vi.advanceTimersByTimeAsync(30 * SECOND);
    // Exactly 30 s old is not older than 30 s.
    expect(store.staleChecks).toHaveLength(3);
    expect(store.status.get("XAUUSD")?.status).toBe("success");

    await vi.advanceTimersByTimeAsync(15 * SECOND);
    expect(store.status.get("XAUUSD")?.status).toBe("stale");
    const marked = logger.entries.find((e) => e.msg === "assets marked stale");
    expect(marked?.obj).toEqual({ symbols: ["BTCUSD", "EURUSD", "XAUUSD"], staleAfterSeconds: 30 });
  });

  it("never overlaps itself: ticks during a slow check are skipped", async () => {
    vi.useFakeTimers({ now: Date.UTC(2026, 0, 5, 12, 0, 0) });
    const { orchestrator, store } = setup({ clock: timerClock, staleAfterSeconds: 900 });
    let finish = (): void => {};
    const slowFirst = new Promise<string[]>((resolve) => (finish = () => resolve([])));
    const markStale = vi.fn().mockReturnValueOnce(slowFirst).mockResolvedValue([]);
    store.markStale = markStale;
    orchestrator.start();
    await vi.advanceTimersByTimeAsync(200 * SECOND);
    expect(markStale).toHaveBeenCalledTimes(1);
    finish();
    await vi.advanceTimersByTimeAsync(40 * SECOND);
    expect(markStale).toHaveBeenCalledTimes(2);
  });

  it("a failed check is logged and the schedule goes on", async () => {
    vi.useFakeTimers({ now: Date.UTC(2026, 0, 5, 12, 0, 0) });
    const { orchestrator, store, logger } = setup({ clock: timerClock });
    store.markStale = () => Promise.reject(new Error("store down"));
    orchestrator.start();
    await vi.advanceTimersByTimeAsync(60 * SECOND);
    const failures = logger.entries.filter((e) => e.msg === "job failed");
    expect(failures.map((e) => e.obj)).toEqual([
      { job: "stale_check", err: "store down" },
      { job: "stale_check", err: "store down" },
    ]);
  });
});
