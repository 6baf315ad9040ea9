import type { Redis } from "ioredis";
import type { Logger, PriceEventSource } from "../services/ports.js";
import { assetUpdatePattern } from "./channels.js";
import { ListenerSet, type PriceListener } from "./listener-set.js";
import { decodePriceUpdate } from "./price-event-codec.js";

/**
 * Every replica's price updates, from ONE dedicated subscriber connection per process
 * (`PSUBSCRIBE asset:update:*`) fanned out to in-process listeners, however many streams watch.
 * ioredis re-subscribes by itself after a reconnect.
 */
export class RedisPriceEventSource implements PriceEventSource {
  private readonly listeners: ListenerSet;
  private malformedSeen = false;

  private constructor(
    private readonly subscriber: Redis,
    private readonly logger?: Logger,
  ) {
    this.listeners = new ListenerSet(logger);
    subscriber.on("pmessage", (_pattern: string, channel: string, message: string) =>
      this.onMessage(channel, message),
    );
  }

  /**
   * Takes ownership of `subscriber` (a connection used for nothing else) and resolves once the
   * pattern subscription is active, so no update published afterwards is missed.
   */
  static async open(
    subscriber: Redis,
    options: { channelPrefix?: string; logger?: Logger } = {},
  ): Promise<RedisPriceEventSource> {
    const source = new RedisPriceEventSource(subscriber, options.logger);
    await subscriber.psubscribe(assetUpdatePattern(options.channelPrefix));
    return source;
  }

  subscribe(listener: PriceListener): () => void {
    return this.listeners.add(listener);
  }

  /** Subscriptions not yet ended: the count of open WatchAssetUpdates streams in this process. */
  get subscriberCount(): number {
    return this.listeners.size;
  }

  /** Drops the listeners and closes the subscriber connection. */
  async close(): Promise<void> {
    this.listeners.clear();
    await this.subscriber.quit().catch(() => this.subscriber.disconnect());
  }

  private onMessage(channel: string, message: string): void {
    const event = decodePriceUpdate(message);
    if (event) {
      this.listeners.emit(event);
      return;
    }
    // Warn once: a misbehaving publisher must not flood the log at its own rate.
    const entry = { channel, message: message.slice(0, 200) };
    if (this.malformedSeen) {
      this.logger?.debug(entry, "ignored a malformed price update");
    } else {
      this.malformedSeen = true;
      this.logger?.warn(entry, "ignored a malformed price update; further ones are logged at debug level");
    }
  }
}
