/**
 * How the queue processor gets a budget token: only a spare one (the next priority batch's tokens
 * stay free, see CallBudget.tryAcquire), and, when none is free now, by waiting for the next one
 * to free if that happens before a deadline (the next queue tick). The token is taken the moment
 * it frees, right before the call it pays for: it is never held across a wait, since a call made
 * long after its token was spent could reach the provider inside a window the limiter saw as past.
 */
import type { CallBudget, CallReservation, Clock } from "./ports.js";

export interface SpareTokenOptions {
  budget: Pick<CallBudget, "tryAcquire" | "remaining" | "stats">;
  clock: Clock;
  /** What to leave free, asked again after each wait: a batch may have started meanwhile. */
  reserve: () => CallReservation | undefined;
  /** Epoch ms: wait only for a token that frees before this; undefined or past means no waiting. */
  waitUntilMs: number | undefined;
  /** Ends a wait at once (stop): then no token is taken. */
  signal: AbortSignal | undefined;
}

export interface SpareToken {
  /** Whether a token was spent. */
  taken: boolean;
  /** Milliseconds spent waiting for it (or for nothing, when it did not come). */
  waitedMs: number;
}

/**
 * Spends a spare token now, or waits for the next token to free and spends it then. Gives up at
 * once when tokens are free but refused: they are kept for a priority batch, which either is
 * running or due (it takes them next) or is still to come (the reservation then refuses until it
 * has run, since calls made meanwhile only add to those still counting at its time). Gives up too
 * when the next token frees at or after `waitUntilMs`, or when `signal` aborts.
 */
export async function takeSpareToken(options: SpareTokenOptions): Promise<SpareToken> {
  const { budget, clock, signal } = options;
  const startedAt = clock.now();
  const result = (taken: boolean): SpareToken => ({ taken, waitedMs: clock.now() - startedAt });
  for (;;) {
    if (signal?.aborted) return result(false);
    if (budget.tryAcquire(options.reserve())) return result(true);
    if (budget.remaining() > 0) return result(false);
    const now = clock.now();
    // Spent out (or blocked after a 429): resetAt is when the next call may be made.
    const freeAt = Math.max(budget.stats().resetAt.getTime(), now + 1);
    if (options.waitUntilMs === undefined || freeAt >= options.waitUntilMs) return result(false);
    try {
      await clock.sleep(freeAt - now, signal);
    } catch (error) {
      if (signal?.aborted) return result(false);
      throw error;
    }
  }
}
