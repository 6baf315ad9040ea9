/**
 * The secondary-asset side of the batch process: feeding the queue and updating a few queued
 * assets per run, requeueing or dropping the ones that fail.
 */
import type { AssetCatalog } from "../config/priority-assets.js";
import type { AssetPriority, QueuedAsset } from "../models/batch.js";
import { ProviderError, QueueFullError, UnknownAssetError } from "../models/errors.js";
import { type AssetUpdater, failureMessage, type UpdateReport } from "./asset-updater.js";
import type { AssetStore, Logger } from "./ports.js";
import type { PriorityQueue, RequeueResult } from "./priority-queue.js";

export interface QueueRunnerOptions {
  updater: Pick<AssetUpdater, "updateAssets">;
  queue: PriorityQueue;
  catalog: AssetCatalog;
  store: Pick<AssetStore, "setSyncStatus">;
  logger: Logger;
  /** Queue items updated per run. */
  itemsPerRun: number;
}

export interface EnqueueOutcome {
  enqueued: boolean;
  /** Why the asset was not queued; empty when it was. */
  reason: string;
  queueSize: number;
}

export interface QueueRunReport {
  processed: number;
  updated: string[];
  /** Failed items back in the queue (demoted, or unchanged after a rate limit). */
  requeued: string[];
  /** Failed items given up: not retryable, or out of retries. */
  dropped: string[];
}

export class QueueRunner {
  private readonly options: QueueRunnerOptions;

  constructor(options: QueueRunnerOptions) {
    if (!Number.isInteger(options.itemsPerRun) || options.itemsPerRun < 1) {
      throw new RangeError(`queue items per run must be a positive integer, got ${options.itemsPerRun}`);
    }
    this.options = options;
  }

  /** Queues one catalog asset, at its catalog priority unless one is given. */
  async enqueue(symbol: string, priority?: AssetPriority): Promise<EnqueueOutcome> {
    const { catalog, queue } = this.options;
    const asset = catalog.get(symbol);
    if (asset === undefined) throw new UnknownAssetError(symbol);
    const result = queue.enqueue(asset, priority ?? asset.priority);
    if (result === "enqueued") await this.markPending([symbol]);
    const reason = result === "enqueued" ? "" : `${symbol} is already queued`;
    return { enqueued: result === "enqueued", reason, queueSize: queue.size };
  }

  /** Queues every secondary asset that is not queued yet; returns the symbols queued. */
  async enqueueSecondary(): Promise<string[]> {
    const { catalog, queue, logger } = this.options;
    const queued: string[] = [];
    for (const asset of catalog.secondaryAssets()) {
      try {
        if (queue.enqueue(asset, asset.priority) === "enqueued") queued.push(asset.symbol);
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
      await this.markPending(queued);
      logger.info({ queued, queueSize: queue.size }, "secondary assets queued");
    }
    return queued;
  }

  /** Updates up to `itemsPerRun` queued assets in one updater call. */
  async processQueue(signal: AbortSignal): Promise<QueueRunReport> {
    const { queue, updater, itemsPerRun, logger } = this.options;
    const items: QueuedAsset[] = [];
    for (let item = queue.dequeue(); item !== null; item = queue.dequeue()) {
      items.push(item);
      if (items.length >= itemsPerRun) break;
    }
    if (items.length === 0) return { processed: 0, updated: [], requeued: [], dropped: [] };

    let report: UpdateReport;
    try {
      report = await updater.updateAssets(items, { signal });
    } catch (error) {
      // Aborted: nothing was decided about these items, so they keep their place.
      for (const item of items) queue.putBack(item);
      throw error;
    }

    const bySymbol = new Map(items.map((item) => [item.symbol, item]));
    const requeued: string[] = [];
    const dropped: string[] = [];
    for (const { asset, error } of report.failed) {
      const item = bySymbol.get(asset.symbol);
      if (item === undefined) continue;
      const outcome = this.retry(item, error);
      if (outcome === "requeued") {
        requeued.push(item.symbol);
      } else {
        dropped.push(item.symbol);
        logger.warn(
          { symbol: item.symbol, reason: outcome, err: failureMessage(error) },
          "queued asset dropped",
        );
      }
    }
    const updated = report.updated.map((s) => s.symbol);
    logger.info(
      { processed: items.length, updated, requeued, dropped, remaining: queue.size },
      "queue processed",
    );
    return { processed: items.length, updated, requeued, dropped };
  }

  /** Rate-limited items were never really tried: they go back unchanged, spending no retry. */
  private retry(item: QueuedAsset, error: Error): RequeueResult | "not_retryable" {
    const { queue } = this.options;
    if (error instanceof ProviderError && error.kind === "rate_limited") return queue.putBack(item);
    if (error instanceof ProviderError && !error.retryable) return "not_retryable";
    return queue.requeue(item, failureMessage(error));
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
