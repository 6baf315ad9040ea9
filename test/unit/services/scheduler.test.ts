import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { IntervalScheduler } from "../../../src/services/scheduler.js";
import { FakeLogger, timerClock } from "../../support/fakes.js";
import { createHarness } from "./harness.js";

const SECOND = 1000;
const PRIORITY = ["XAUUSD", "EURUSD", "BTCUSD"];

beforeEach(() => {
  vi.useFakeTimers({ now: Date.UTC(2026, 0, 5, 12, 0, 0) });
});

afterEach(() => {
  vi.useRealTimers();
});

function setup() {
  const harness = createHarness({ clock: timerClock });
  const batchRuns = () => harness.provider.requests.filter((r) => r[0] === "XAUUSD").length;
  const queueRuns = () => harness.provider.requests.filter((r) => r[0] !== "XAUUSD").length;
  return { ...harness, batchRuns, queueRuns };
}

describe("BatchOrchestrator schedule (toad-scheduler on fake timers)", () => {
  it("runs the priority batch and the secondary enqueue at start, the queue processor after its interval", async () => {
    const { orchestrator, provider, queue, batchRuns } = setup();
    const t0 = Date.now();
    orchestrator.start();
    await vi.advanceTimersByTimeAsync(0);

    expect(provider.requests).toEqual([PRIORITY]);
    expect(queue.size).toBe(6);
    expect(orchestrator.status().jobs.map((j) => [j.id, j.nextRunAt?.getTime()])).toEqual([
      ["priority_batch", t0 + 300 * SECOND],
      ["queue_processor", t0 + 15 * SECOND],
      ["enqueue_secondary", t0 + 1800 * SECOND],
      ["stale_check", t0 + 60 * SECOND],
      ["prune_history", t0 + 3600 * SECOND],
    ]);

    await vi.advanceTimersByTimeAsync(15 * SECOND);
    expect(provider.requests.slice(1)).toEqual([["ETHUSDT"], ["GBPUSD"]]);
    expect(orchestrator.status().jobs[1]?.nextRunAt?.getTime()).toBe(t0 + 30 * SECOND);

    await vi.advanceTimersByTimeAsync(285 * SECOND);
    expect(batchRuns()).toBe(2);
    expect(orchestrator.status().lastBatch?.trigger).toBe("scheduled");
    await orchestrator.stop();
  });

  it("runs each job every interval; the queue makes queueItemsPerRun calls a run, cycling through the secondary assets", async () => {
    const { orchestrator, queue, provider, batchRuns, queueRuns } = setup();
    orchestrator.start();
    await vi.advanceTimersByTimeAsync(45 * SECOND);
    // Three runs of two calls (single mode: one asset a call), and every updated asset is back,
    // behind the MEDIUM ones by its tier's handicap: HIGH ones come round again first.
    expect(queueRuns()).toBe(6);
    expect(queue.size).toBe(6);
    const high = ["ETHUSDT", "GBPUSD", "USDJPY"];
    expect(provider.requests.slice(1).flat()).toEqual([...high, ...high]);

    await vi.advanceTimersByTimeAsync(1800 * SECOND - 45 * SECOND);
    expect(batchRuns()).toBe(1 + 6);
    expect(queueRuns()).toBe(2 * 120);
    expect(queue.size).toBe(6);
    // A MEDIUM asset waits at most one aging step (300 s) longer than a HIGH one: none starves.
    const updates = new Map<string, number>();
    for (const [symbol] of provider.requests.slice(1))
      updates.set(symbol ?? "", (updates.get(symbol ?? "") ?? 0) + 1);
    for (const symbol of ["XAGUSD", "AUDUSD", "USDCAD"])
      expect(updates.get(symbol)).toBeGreaterThanOrEqual(4);
    await orchestrator.stop();
  });

  it("never overlaps a job with itself: ticks during a long run are skipped", async () => {
    const { orchestrator, provider, batchRuns } = setup();
    provider.hold();
    orchestrator.start();
    await vi.advanceTimersByTimeAsync(0);
    expect(orchestrator.status().jobs[0]?.running).toBe(true);

    await vi.advanceTimersByTimeAsync(650 * SECOND);
    expect(batchRuns()).toBe(1);

    provider.release();
    await vi.advanceTimersByTimeAsync(0);
    expect(orchestrator.status().jobs[0]?.running).toBe(false);
    await vi.advanceTimersByTimeAsync(250 * SECOND);
    expect(batchRuns()).toBe(2);
    await orchestrator.stop();
  });

  it("stops scheduling on stop(): no more runs, no next run times", async () => {
    const { orchestrator, provider } = setup();
    orchestrator.start();
    await vi.advanceTimersByTimeAsync(0);
    await orchestrator.stop();
    const calls = provider.requests.length;

    await vi.advanceTimersByTimeAsync(3600 * SECOND);
    expect(provider.requests).toHaveLength(calls);
    expect(orchestrator.status().jobs.every((j) => j.nextRunAt === null)).toBe(true);
    expect(vi.getTimerCount()).toBe(0);
  });
});

describe("IntervalScheduler", () => {
  it("reports the next tick after a skipped one, not lastStart + interval", async () => {
    let finish = (): void => {};
    const run = vi.fn(() => new Promise<void>((resolve) => (finish = resolve)));
    const scheduler = new IntervalScheduler({
      clock: timerClock,
      logger: new FakeLogger(),
      jobs: [{ id: "slow", name: "Slow", intervalSeconds: 10, runAtStart: true, run }],
    });
    const t0 = Date.now();
    scheduler.start();
    await vi.advanceTimersByTimeAsync(25 * SECOND);
    expect(run).toHaveBeenCalledTimes(1);
    expect(scheduler.status()[0]).toMatchObject({ running: true, nextRunAt: new Date(t0 + 30 * SECOND) });
    finish();
    await vi.advanceTimersByTimeAsync(5 * SECOND);
    expect(run).toHaveBeenCalledTimes(2);
    scheduler.stop();
  });

  it("logs a failed run and keeps the schedule", async () => {
    const logger = new FakeLogger();
    const run = vi.fn(() => Promise.reject(new Error("boom")));
    const scheduler = new IntervalScheduler({
      clock: timerClock,
      logger,
      jobs: [{ id: "flaky", name: "Flaky", intervalSeconds: 1, runAtStart: false, run }],
    });
    scheduler.start();
    await vi.advanceTimersByTimeAsync(3 * SECOND);
    expect(run).toHaveBeenCalledTimes(3);
    expect(logger.entries.filter((e) => e.msg === "job failed")).toHaveLength(3);
    expect(logger.entries[0]?.obj).toEqual({ job: "flaky", err: "boom" });
    scheduler.stop();
  });
});
