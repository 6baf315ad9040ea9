/**
 * The secondary-asset side of the batch process: feeding the queue and updating a few queued
 * assets per run, requeueing or dropping the ones that fail. A run never waits for the call
 * budget: it takes one spare token per item before dequeuing it, and stops at the first refusal.
 */
import type { AssetCatalog } from "../config/priority-assets.js";
import type { AssetPriority, QueuedAsset } from "../models/batch.js";
import { ProviderError, QueueFullError, UnknownAssetError } from "../models/errors.js";
import { type AssetUpdater, failureMessage, type UpdateReport } from "./asset-updater.js";
import type { AssetStore, CallBudget, CallReservation, Logger } from "./ports.js";
import { type PriorityQueue, priorityName, type RequeueResult } from "./priority-queue.js";

export interface QueueRunnerOptions {
  updater: Pick<AssetUpdater, "updateAssets">;
  queue: PriorityQueue;
  catalog: AssetCatalog;
  store: Pick<AssetStore, "setSyncStatus">;
  /** The provider's budget; a run spends only tokens it can take at once. */
  budget: Pick<CallBudget, "tryAcquire">;
  logger: Logger;
  /** Queue items updated per run. */
  itemsPerRun: number;
  /** Called after the queue's content changed: items added, promoted, taken out or put back. */
  onQueueChange?: () => void;
}

export interface QueueRunOptions {
  /** Aborts the provider calls and store writes of the run. */
  signal: AbortSignal;
  /** Aborts budget waits; a run pre-pays its tokens, so it only matters for extra calls. */
  budgetSignal?: AbortSignal;
  /** Tokens to leave free (for the next priority batch). */
  reserve?: CallReservation;
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
  /** The run stopped early, leaving items queued, because no spare budget token was left. */
  noSpareBudget: boolean;
  /** Set when the run did not look at the queue: the provider rejects the key. */
  skipped?: "key_rejected";
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
   * Updates up to `itemsPerRun` queued assets in one updater call, each paid for by a token taken
   * with `budget.tryAcquire(reserve)` before it leaves the queue (one provider call per asset).
   */
  async processQueue(options: QueueRunOptions): Promise<QueueRunReport> {
    const { queue, updater, budget, itemsPerRun, logger } = this.options;
    const { signal, budgetSignal, reserve } = options;
    const items: QueuedAsset[] = [];
    let noSpareBudget = false;
    while (items.length < itemsPerRun && !queue.isEmpty) {
      if (!budget.tryAcquire(reserve)) {
        noSpareBudget = true;
        break;
      }
      const item = queue.dequeue();
      if (item !== null) items.push(item);
    }
    if (items.length === 0) {
      if (noSpareBudget)
        logger.debug({ queueSize: queue.size, reserve }, "no spare call budget for the queue");
      return { processed: 0, updated: [], requeued: [], dropped: [], noSpareBudget };
    }
    this.changed();

    let report: UpdateReport;
    try {
      report = await updater.updateAssets(items, { signal, budgetSignal, prepaidCalls: items.length });
    } catch (error) {
      // Aborted: nothing was decided about these items, so they keep their place.
      for (const item of items) queue.putBack(item);
      this.changed();
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
    if (requeued.length > 0) this.changed();
    const updated = report.updated.map((s) => s.symbol);
    logger.info(
      { processed: items.length, updated, requeued, dropped, remaining: queue.size, noSpareBudget },
      "queue processed",
    );
    return { processed: items.length, updated, requeued, dropped, noSpareBudget };
  }

  /** Rate-limited items were never really tried: they go back unchanged, spending no retry. */
  private retry(item: QueuedAsset, error: Error): RequeueResult | "not_retryable" {
    const { queue } = this.options;
    if (error instanceof ProviderError && error.kind === "rate_limited") return queue.putBack(item);
    if (error instanceof ProviderError && !error.retryable) return "not_retryable";
    return queue.requeue(item, failureMessage(error));
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
