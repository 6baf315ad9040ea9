/**
 * The orchestrator's running work (batches, queue runs, store upkeep), so that stop() can wait
 * for it, for a grace period at most.
 */
import type { Clock } from "./ports.js";

export class RunningWork {
  private readonly inFlight = new Set<Promise<unknown>>();

  /** Work running now. */
  get size(): number {
    return this.inFlight.size;
  }

  /** Counts `work` as running until it settles; returns it. */
  track<T>(work: Promise<T>): Promise<T> {
    this.inFlight.add(work);
    const forget = (): void => {
      this.inFlight.delete(work);
    };
    work.then(forget, forget);
    return work;
  }

  /** Resolves when nothing runs, including work started meanwhile. */
  async whenIdle(): Promise<void> {
    while (this.inFlight.size > 0) await Promise.allSettled([...this.inFlight]);
  }

  /** Waits until nothing runs or `graceMs` passed; resolves whether everything finished. */
  async finishWithin(clock: Clock, graceMs: number): Promise<boolean> {
    const graceTimer = new AbortController();
    try {
      return await Promise.race([
        this.whenIdle().then(() => true),
        clock.sleep(graceMs, graceTimer.signal).then(
          () => false,
          () => false,
        ),
      ]);
    } finally {
      graceTimer.abort();
    }
  }
}
