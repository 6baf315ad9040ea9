/**
 * A key's call budget on the sandbox: at most `limit` served calls in any rolling `windowMs`
 * (reference/polygon-api.md §6 recommends assuming a rolling window).
 */
export class SlidingWindowBudget {
  /** Epoch ms of the calls still inside the window (at most `limit` of them). */
  #takenAt: number[] = [];

  constructor(
    readonly limit: number,
    readonly windowMs: number,
  ) {}

  /**
   * Spends a call at `at` (epoch ms) if the window has room. A call at `t` stops counting at
   * exactly `t + windowMs`. Refused calls are not recorded, so a client that waits for a free slot
   * is served instead of being locked out by its own retries.
   */
  tryTake(at: number): boolean {
    this.#takenAt = this.#takenAt.filter((takenAt) => takenAt > at - this.windowMs);
    if (this.#takenAt.length >= this.limit) return false;
    this.#takenAt.push(at);
    return true;
  }
}
