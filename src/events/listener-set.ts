import type { PriceUpdateEvent } from "../models/price-event.js";
import type { Logger } from "../services/ports.js";

export type PriceListener = (event: PriceUpdateEvent) => void;

/** In-process fan-out shared by the Redis source and the in-process bus. */
export class ListenerSet {
  private readonly listeners = new Set<PriceListener>();

  constructor(private readonly logger?: Logger) {}

  /** Adds `listener`; the returned function removes it (idempotent). */
  add(listener: PriceListener): () => void {
    // A wrapper, so the same function subscribed twice gets two independent subscriptions.
    const entry: PriceListener = (event) => listener(event);
    this.listeners.add(entry);
    return () => {
      this.listeners.delete(entry);
    };
  }

  /** Calls every listener; one that throws is logged and does not keep the event from the others. */
  emit(event: PriceUpdateEvent): void {
    for (const listener of [...this.listeners]) {
      try {
        listener(event);
      } catch (error) {
        this.logger?.error({ err: error, symbol: event.symbol }, "price update listener failed");
      }
    }
  }

  clear(): void {
    this.listeners.clear();
  }

  /** Listeners currently added: each open WatchAssetUpdates stream holds one. */
  get size(): number {
    return this.listeners.size;
  }
}
