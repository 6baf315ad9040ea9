/** The prune_history job: hourly, never overlapping, with the clock's time, logging what it deleted. */
import { afterEach, describe, expect, it, vi } from "vitest";
import { timerClock } from "../../support/fakes.js";
import { createHarness } from "./harness.js";

const SECOND = 1000;
const HOUR = 3600 * SECOND;
const started: ReturnType<typeof createHarness>[] = [];

function setup() {
  vi.useFakeTimers({ now: Date.UTC(2026, 0, 5, 12, 0, 0) });
  const harness = createHarness({ clock: timerClock });
  started.push(harness);
  return harness;
}

afterEach(async () => {
  await Promise.all(started.splice(0).map(({ orchestrator }) => orchestrator.stop()));
  vi.useRealTimers();
});

function pruneLogs(harness: ReturnType<typeof createHarness>) {
  return harness.logger.entries
    .filter((e) => e.msg === "price history pruned")
    .map((e) => ({ level: e.level, deleted: (e.obj as { deleted: number }).deleted }));
}

describe("prune_history job", () => {
  it("runs at start and every hour with the clock's time, logging what it deleted", async () => {
    const harness = setup();
    const { orchestrator, store } = harness;
    const t0 = Date.now();
    const prune = vi.fn().mockResolvedValueOnce(1234).mockResolvedValue(0);
    store.pruneHistory = prune;
    orchestrator.start();
    await vi.advanceTimersByTimeAsync(0);
    expect(prune.mock.calls).toEqual([[new Date(t0)]]);
    expect(orchestrator.status().jobs.find((j) => j.id === "prune_history")).toMatchObject({
      name: "Prune Price History",
      intervalSeconds: 3600,
      nextRunAt: new Date(t0 + HOUR),
    });

    await vi.advanceTimersByTimeAsync(2 * HOUR);
    expect(prune.mock.calls).toEqual([[new Date(t0)], [new Date(t0 + HOUR)], [new Date(t0 + 2 * HOUR)]]);
    expect(pruneLogs(harness)).toEqual([
      { level: "info", deleted: 1234 },
      { level: "debug", deleted: 0 },
      { level: "debug", deleted: 0 },
    ]);
  });

  it("never overlaps itself: hourly ticks during a slow prune are skipped", async () => {
    const { orchestrator, store } = setup();
    let finish = (): void => {};
    const slow = new Promise<number>((resolve) => (finish = () => resolve(10)));
    const prune = vi.fn().mockReturnValueOnce(slow).mockResolvedValue(0);
    store.pruneHistory = prune;
    orchestrator.start();
    await vi.advanceTimersByTimeAsync(2.5 * HOUR);
    expect(prune).toHaveBeenCalledTimes(1);
    expect(orchestrator.status().jobs.find((j) => j.id === "prune_history")?.running).toBe(true);
    finish();
    await vi.advanceTimersByTimeAsync(0.5 * HOUR);
    expect(prune).toHaveBeenCalledTimes(2);
  });

  it("does nothing with a store that keeps no history", async () => {
    const harness = setup();
    harness.orchestrator.start();
    await vi.advanceTimersByTimeAsync(HOUR);
    expect(harness.orchestrator.status().jobs.map((j) => j.id)).toContain("prune_history");
    expect(pruneLogs(harness)).toEqual([]);
    expect(harness.logger.entries.filter((e) => e.msg === "job failed")).toEqual([]);
  });

  it("a failed prune is logged and the schedule goes on", async () => {
    const { orchestrator, store, logger } = setup();
    const prune = vi.fn().mockRejectedValueOnce(new Error("store down")).mockResolvedValue(3);
    store.pruneHistory = prune;
    orchestrator.start();
    await vi.advanceTimersByTimeAsync(HOUR);
    expect(logger.entries.filter((e) => e.msg === "job failed").map((e) => e.obj)).toEqual([
      { job: "prune_history", err: "store down" },
    ]);
    expect(prune).toHaveBeenCalledTimes(2);
  });
});
