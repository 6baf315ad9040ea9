/**
 * What puts secondary assets into the queue:
 *
 * - **EnqueueAsset**: one catalog asset, at its catalog priority or the one asked for (promoting
 *   an item already queued lower).
 * - **The periodic refill** (enqueue_secondary): every secondary asset not queued yet. It is the
 *   safety net: it brings back assets dropped after their retries or for an error not retried.
 * - **Continuous refresh**: a secondary asset updated by the queue goes straight back in, at its
 *   catalog priority, as a new item (enqueued now), so the queue keeps cycling through the
 *   secondary assets as fast as the spare budget allows instead of idling until the next refill.
 *   Order among them comes from the queue's aging (priority-queue.ts): the next served is the one
 *   with the largest `staleness − (tier − 1) × aging step`, so a tier waits at most one aging step
 *   longer than the tier above it, and none starves. A refresh never promotes an item already
 *   queued (a failed one keeps its demotion), keeps the asset's SUCCESS status (PENDING is for
 *   assets without a fresh price), and is skipped for critical assets, which only the priority
 *   batch updates (a one-off EnqueueAsset of one is not repeated).
 */
import type { AssetCatalog } from "../config/priority-assets.js";
import { AssetPriority } from "../models/batch.js";
import { QueueFullError, UnknownAssetError } from "../models/errors.js";
import type { AssetStore, Logger } from "./ports.js";
import { type PriorityQueue, priorityName } from "./priority-queue.js";

export interface QueueFeederOptions {
  queue: PriorityQueue;
  catalog: AssetCatalog;
  store: Pick<AssetStore, "setSyncStatus">;
  logger: Logger;
  /** Called after the queue's content changed. */
  onQueueChange?: () => void;
}

export interface EnqueueOutcome {
  enqueued: boolean;
  /** Why the asset was not queued; empty when it was. */
  reason: string;
  queueSize: number;
}

export class QueueFeeder {
  constructor(private readonly options: QueueFeederOptions) {}

  /** Queues one catalog asset, at its catalog priority unless one is given. */
  async enqueue(symbol: string, priority?: AssetPriority): Promise<EnqueueOutcome> {
    const { catalog, queue } = this.options;
    const asset = catalog.get(symbol);
    if (asset === undefined) throw new UnknownAssetError(symbol);
    const wanted = priority ?? asset.priority;
    const result = queue.enqueue(asset, wanted);
    if (result !== "duplicate") this.changed();
    if (result === "enqueued") await this.markPending([symbol]);
    const reason = {
      enqueued: "",
      promoted: `${symbol} was already queued; its priority was raised to ${priorityName(wanted)}`,
      duplicate: `${symbol} is already queued`,
    }[result];
    return { enqueued: result === "enqueued", reason, queueSize: queue.size };
  }

  /** Queues every secondary asset that is not queued yet; returns the symbols queued. */
  async enqueueSecondary(): Promise<string[]> {
    const { catalog, queue, logger } = this.options;
    const queued: string[] = [];
    for (const asset of catalog.secondaryAssets()) {
      try {
        // promote: false, so the refill does not undo the demotion of items that failed.
        if (queue.enqueue(asset, asset.priority, { promote: false }) === "enqueued")
          queued.push(asset.symbol);
      } catch (error) {
        if (!(error instanceof QueueFullError)) throw error;
        logger.warn(
          { symbol: asset.symbol, maxSize: error.maxSize },
          "queue full; secondary enqueue stopped",
        );
        break;
      }
    }
    if (queued.length > 0) {
      this.changed();
      await this.markPending(queued);
      logger.info({ queued, queueSize: queue.size }, "secondary assets queued");
    }
    return queued;
  }

  /**
   * Continuous refresh: queues again, at their catalog priority, the secondary assets among
   * `symbols` (just updated) that are not queued; returns the symbols queued. Synchronous and
   * silent on a full queue: the refill retries later.
   */
  refresh(symbols: readonly string[]): string[] {
    const { catalog, queue } = this.options;
    const queued: string[] = [];
    for (const symbol of symbols) {
      const asset = catalog.get(symbol);
      if (asset === undefined || asset.priority === AssetPriority.CRITICAL) continue;
      if (queue.size >= queue.maxSize) break;
      if (queue.enqueue(asset, asset.priority, { promote: false }) === "enqueued") queued.push(symbol);
    }
    if (queued.length > 0) this.changed();
    return queued;
  }

  private changed(): void {
    this.options.onQueueChange?.();
  }

  private async markPending(symbols: readonly string[]): Promise<void> {
    try {
      await this.options.store.setSyncStatus(
        symbols.map((symbol) => ({ symbol, status: "pending", error: null })),
      );
    } catch (error) {
      // The assets are queued all the same; only their displayed status lags.
      const err = error instanceof Error ? error.message : String(error);
      this.options.logger.warn({ symbols, err }, "could not mark queued assets pending");
    }
  }
}
