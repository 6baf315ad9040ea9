/**
 * The provider key's call budget (ET-DATA-001 §3.3), as an exact sliding log: a call is allowed
 * at time t only if fewer than `limit` calls were made in (t − window − margin, t]. Unlike the
 * spec's fixed window, this never lets 2×limit calls through around a window boundary.
 *
 * The margin: we log a call when its token is spent, but the provider counts it when the request
 * arrives, a little later (pool queueing, connection setup, network), and that delay varies from
 * call to call. If the oldest call of a window arrived d ms late and the call `limit` later
 * arrives on time, the provider sees them window − d apart and answers 429. Keeping each call in
 * the log for window + margin absorbs any such jitter up to the margin.
 *
 * Single process only; sharing the budget between replicas comes later.
 */
import type { RateLimitStats } from "../models/batch.js";
import type { CallBudget, CallReservation, Clock } from "../services/ports.js";

export interface RateLimiterOptions {
  /** Calls allowed in any window. */
  limit: number;
  windowSeconds: number;
  /**
   * How much longer than the window a call keeps counting, for the delay between spending its
   * token and its arrival at the provider (see above). Default 250.
   */
  marginMs?: number;
  clock: Clock;
}

export const DEFAULT_MARGIN_MS = 250;

export class RateLimiter implements CallBudget {
  readonly limit: number;
  readonly windowSeconds: number;
  readonly marginMs: number;
  /** How long a call counts: the window plus the margin. */
  private readonly spanMs: number;
  private readonly clock: Clock;
  /** Times of the calls still counting, oldest first; never longer than `limit`. */
  private readonly calls: number[] = [];
  private blockedUntil = 0;
  /** Settles when the last queued acquirer has had its turn: acquirers are served FIFO. */
  private tail: Promise<void> = Promise.resolve();
  /** acquire() calls not settled yet; tryAcquire never takes a token from under them. */
  private waiting = 0;
  private totalCalls = 0;
  private totalWaits = 0;

  constructor(options: RateLimiterOptions) {
    if (!Number.isInteger(options.limit) || options.limit < 1) {
      throw new RangeError(`rate limit must be a positive integer, got ${options.limit}`);
    }
    if (!(options.windowSeconds > 0)) {
      throw new RangeError(`rate window must be positive seconds, got ${options.windowSeconds}`);
    }
    const marginMs = options.marginMs ?? DEFAULT_MARGIN_MS;
    if (!(marginMs >= 0)) throw new RangeError(`rate margin must be non-negative ms, got ${marginMs}`);
    this.limit = options.limit;
    this.windowSeconds = options.windowSeconds;
    this.marginMs = marginMs;
    this.spanMs = options.windowSeconds * 1000 + marginMs;
    this.clock = options.clock;
  }

  async acquire(signal?: AbortSignal): Promise<number> {
    signal?.throwIfAborted();
    const startedAt = this.clock.now();
    this.waiting += 1;
    const previous = this.tail;
    let finishTurn = (): void => {};
    this.tail = new Promise<void>((resolve) => {
      finishTurn = resolve;
    });
    try {
      await waitUnlessAborted(previous, signal);
      const slept = await this.waitForSlot(signal);
      // Only a wait for a free slot is a budget wait; taking turns behind others is not.
      if (!slept) return 0;
      this.totalWaits += 1;
      return this.clock.now() - startedAt;
    } finally {
      this.waiting -= 1;
      // An aborted waiter leaves at once, but the one behind it still waits for our predecessor.
      void previous.then(finishTurn);
    }
  }

  tryAcquire(reserve?: CallReservation): boolean {
    const now = this.clock.now();
    if (this.waiting > 0 || now < this.blockedUntil) return false;
    this.forgetCallsBefore(now);
    if (this.calls.length >= this.limit) return false;
    if (reserve !== undefined && reserve.count > 0) {
      // The calls that will still count at `at`, this one included, must leave `count` free.
      const at = Math.max(now, reserve.atMs);
      const countedAt = (time: number): boolean => time > at - this.spanMs;
      const stillCounted = this.calls.filter(countedAt).length + (countedAt(now) ? 1 : 0);
      if (this.limit - stillCounted < reserve.count) return false;
    }
    this.spend(now);
    return true;
  }

  /** Calls that may be made now without waiting. */
  remaining(): number {
    const now = this.clock.now();
    if (now < this.blockedUntil) return 0;
    this.forgetCallsBefore(now);
    return this.limit - this.calls.length;
  }

  /** When the next call may be made: now when calls remain. */
  get resetAt(): Date {
    const now = this.clock.now();
    this.forgetCallsBefore(now);
    return new Date(this.nextSlotAt(now));
  }

  /** The provider answered 429: no call may be made before `epochMs`. */
  blockUntil(epochMs: number): void {
    this.blockedUntil = Math.max(this.blockedUntil, epochMs);
  }

  stats(): RateLimitStats {
    const now = this.clock.now();
    this.forgetCallsBefore(now);
    return {
      limit: this.limit,
      windowSeconds: this.windowSeconds,
      currentCalls: this.calls.length,
      remaining: this.remaining(),
      resetAt: new Date(this.nextSlotAt(now)),
      totalCalls: this.totalCalls,
      totalWaits: this.totalWaits,
    };
  }

  /** Runs in the caller's turn: sleeps until a slot is free, then spends it. True if it slept. */
  private async waitForSlot(signal: AbortSignal | undefined): Promise<boolean> {
    let slept = false;
    for (;;) {
      const now = this.clock.now();
      this.forgetCallsBefore(now);
      const slotAt = this.nextSlotAt(now);
      if (slotAt <= now) {
        this.spend(now);
        return slept;
      }
      // Loop rather than trust one sleep: blockUntil may move the slot while we sleep.
      await this.clock.sleep(slotAt - now, signal);
      slept = true;
    }
  }

  private spend(now: number): void {
    this.calls.push(now);
    this.totalCalls += 1;
  }

  private nextSlotAt(now: number): number {
    const oldest = this.calls[0];
    const windowFreesAt =
      this.calls.length >= this.limit && oldest !== undefined ? oldest + this.spanMs : now;
    return Math.max(now, windowFreesAt, this.blockedUntil);
  }

  private forgetCallsBefore(now: number): void {
    while (this.calls.length > 0 && (this.calls[0] as number) <= now - this.spanMs) this.calls.shift();
  }
}

/** Resolves when `turn` settles; rejects with the signal's reason if it aborts first. */
function waitUnlessAborted(turn: Promise<void>, signal: AbortSignal | undefined): Promise<void> {
  if (!signal) return turn;
  signal.throwIfAborted();
  return new Promise<void>((resolve, reject) => {
    const onAbort = (): void => reject(signal.reason);
    signal.addEventListener("abort", onAbort, { once: true });
    void turn.then(() => {
      signal.removeEventListener("abort", onAbort);
      resolve();
    });
  });
}
