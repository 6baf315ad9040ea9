import type { QueueStats } from "../models/batch.js";
import type { Clock } from "../services/ports.js";

/** What a StreamQueueStats call reads: the stats, and a signal that they changed. */
export interface QueueStatsSource {
  queueStats(): QueueStats;
  /** Calls `listener` on each queue change; returns the unsubscribe function. */
  onQueueChange(listener: () => void): () => void;
}

export interface QueueStatsTiming {
  /** Longest time between two messages. */
  intervalMs: number;
  /** Shortest time between a message and one sent for a change: bursts of changes coalesce. */
  minChangeGapMs: number;
}

export interface QueueStatsUpdate {
  stats: QueueStats;
  /** Epoch ms when the stats were read. */
  observedAt: number;
}

/**
 * The messages of one StreamQueueStats call: the stats at once, then again after each queue
 * change (no sooner than `minChangeGapMs` after the previous message, so a burst of changes
 * makes one message) and at the latest `intervalMs` after the previous message. Subscribed to
 * changes only while iterated; ends by throwing the signal's reason when it aborts.
 */
export async function* queueStatsUpdates(
  source: QueueStatsSource,
  clock: Clock,
  timing: QueueStatsTiming,
  signal: AbortSignal,
): AsyncGenerator<QueueStatsUpdate> {
  let changed = false;
  let wake: (() => void) | undefined;
  const unsubscribe = source.onQueueChange(() => {
    changed = true;
    wake?.();
  });

  /** Waits up to `ms` for a change; true if one came (or was already pending). */
  const changeWithin = async (ms: number): Promise<boolean> => {
    if (changed) return true;
    const timer = new AbortController();
    const onAbort = (): void => timer.abort(signal.reason);
    signal.addEventListener("abort", onAbort, { once: true });
    wake = () => timer.abort();
    try {
      await clock.sleep(ms, timer.signal);
      return false;
    } catch (error) {
      if (signal.aborted) throw signal.reason;
      if (timer.signal.aborted) return true;
      throw error;
    } finally {
      wake = undefined;
      signal.removeEventListener("abort", onAbort);
    }
  };

  try {
    for (;;) {
      signal.throwIfAborted();
      // Cleared before reading, so a change from now on makes another message.
      changed = false;
      const observedAt = clock.now();
      yield { stats: source.queueStats(), observedAt };
      if (await changeWithin(timing.intervalMs)) {
        const gapLeft = observedAt + timing.minChangeGapMs - clock.now();
        if (gapLeft > 0) await clock.sleep(gapLeft, signal);
      }
    }
  } finally {
    unsubscribe();
  }
}
