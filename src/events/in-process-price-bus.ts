import type { AssetSnapshot } from "../models/batch.js";
import { toPriceUpdateEvent } from "../models/price-event.js";
import type { Logger, PriceEventPublisher, PriceEventSource } from "../services/ports.js";
import { ListenerSet, type PriceListener } from "./listener-set.js";

/**
 * Publisher and source in one, for a single process without REDIS_URL: listeners receive the
 * same event bodies the Redis channel would carry, before `publish` resolves.
 */
export class InProcessPriceBus implements PriceEventPublisher, PriceEventSource {
  private readonly listeners: ListenerSet;

  constructor(logger?: Logger) {
    this.listeners = new ListenerSet(logger);
  }

  async publish(snapshots: readonly AssetSnapshot[]): Promise<void> {
    for (const snapshot of snapshots) this.listeners.emit(toPriceUpdateEvent(snapshot));
  }

  subscribe(listener: PriceListener): () => void {
    return this.listeners.add(listener);
  }

  /** Subscriptions not yet ended: the count of open WatchAssetUpdates streams. */
  get subscriberCount(): number {
    return this.listeners.size;
  }

  close(): void {
    this.listeners.clear();
  }
}
