import type { PriceUpdateEvent } from "../models/price-event.js";

/**
 * One stream subscriber's pending updates, conflated to the latest per symbol: a consumer that
 * reads slowly gets the newest price of each symbol instead of a backlog, and its memory is
 * bounded by the number of symbols it watches.
 */
export class LatestPriceBuffer {
  private readonly pending = new Map<string, PriceUpdateEvent>();
  private wake: (() => void) | undefined;
  private conflatedCount = 0;

  constructor(private readonly accepts: (symbol: string) => boolean) {}

  /** Adds an update, replacing any pending one of the same symbol. */
  push(event: PriceUpdateEvent): void {
    if (!this.accepts(event.symbol)) return;
    // Delete first so the Map's insertion order stays the order of the latest arrivals.
    if (this.pending.delete(event.symbol)) this.conflatedCount++;
    this.pending.set(event.symbol, event);
    this.wake?.();
  }

  /** Updates replaced before they were read. */
  get conflated(): number {
    return this.conflatedCount;
  }

  get size(): number {
    return this.pending.size;
  }

  /** Yields pending updates in arrival order, waiting for more, until the signal aborts. */
  async *drain(signal: AbortSignal): AsyncGenerator<PriceUpdateEvent> {
    while (!signal.aborted) {
      const next = this.pending.entries().next();
      if (!next.done) {
        const [symbol, event] = next.value;
        this.pending.delete(symbol);
        yield event;
        continue;
      }
      await this.nextPush(signal);
    }
  }

  private nextPush(signal: AbortSignal): Promise<void> {
    return new Promise((resolve) => {
      const done = (): void => {
        this.wake = undefined;
        signal.removeEventListener("abort", done);
        resolve();
      };
      this.wake = done;
      signal.addEventListener("abort", done, { once: true });
    });
  }
}
