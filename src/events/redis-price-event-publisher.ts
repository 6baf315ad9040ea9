import type { Redis } from "ioredis";
import type { AssetSnapshot } from "../models/batch.js";
import type { PriceEventPublisher } from "../services/ports.js";
import { assetUpdateChannel } from "./channels.js";
import { encodePriceUpdate } from "./price-event-codec.js";

/**
 * Publishes each snapshot on `asset:update:{SYMBOL}` with the spec's JSON body; several at once
 * go in one pipeline (one round trip). Rejects when Redis refuses or is unreachable: the caller
 * publishes after its commit, so a failure loses only the notification, never the stored price.
 */
export class RedisPriceEventPublisher implements PriceEventPublisher {
  constructor(
    private readonly redis: Redis,
    private readonly channelPrefix = "",
  ) {}

  async publish(snapshots: readonly AssetSnapshot[]): Promise<void> {
    const [first, ...rest] = snapshots;
    if (first === undefined) return;
    if (rest.length === 0) {
      await this.redis.publish(
        assetUpdateChannel(first.symbol, this.channelPrefix),
        encodePriceUpdate(first),
      );
      return;
    }
    const pipeline = this.redis.pipeline();
    for (const snapshot of snapshots) {
      pipeline.publish(assetUpdateChannel(snapshot.symbol, this.channelPrefix), encodePriceUpdate(snapshot));
    }
    // exec() resolves with per-command errors instead of rejecting.
    const results = (await pipeline.exec()) ?? [];
    const failed = results.filter(([error]) => error !== null);
    const firstError = failed[0]?.[0];
    if (firstError) {
      throw new Error(
        `${failed.length} of ${snapshots.length} price updates not published: ${firstError.message}`,
        {
          cause: firstError,
        },
      );
    }
  }
}
