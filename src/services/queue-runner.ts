/**
 * The queue processor (ET-DATA-001 §3.6), budget-true. A run makes up to `callsPerRun` provider
 * calls (QUEUE_ITEMS_PER_RUN), one after the other, each paid with a spare budget token taken
 * right before it: spare-token.ts, which waits for a token that frees before the next queue tick
 * when none is free, so the queue can use the whole budget the priority batch leaves.
 *
 * Each call takes the most urgent queued asset and every other queued asset it can serve at no
 * extra call (MarketDataProvider.callsFor): none in `single` and `prev` modes, where a run so
 * updates up to callsPerRun assets; the same asset class in `multi` and any asset in `universal`
 * (up to 250 a call), where one call can update the whole queue. A run tries each asset at most
 * once, so one that just failed or was just updated waits for a later run. Failed assets are
 * requeued with demotion or dropped, as the spec; updated secondary assets go back in the queue
 * for their next refresh (QueueFeeder.refresh).
 *
 * One call per updater call, its token spent right before it: in `single` mode a run's two calls
 * are two updater calls, not one with two tokens pre-paid, because the second call would reach
 * the provider a whole round trip after its token was spent, more than the limiter's margin.
 */
import type { AssetRef, QueuedAsset } from "../models/batch.js";
import { ProviderError } from "../models/errors.js";
import { type AssetUpdater, failureMessage, type UpdateReport } from "./asset-updater.js";
import type { CallBudget, CallReservation, Clock, Logger } from "./ports.js";
import type { PriorityQueue, RequeueResult } from "./priority-queue.js";
import type { QueueFeeder } from "./queue-feeder.js";
import { takeSpareToken } from "./spare-token.js";

export interface QueueRunnerOptions {
  updater: Pick<AssetUpdater, "updateAssets">;
  /** Provider calls one fetch of `assets` makes (MarketDataProvider.callsFor). */
  callsFor: (assets: readonly AssetRef[]) => number;
  queue: PriorityQueue;
  /** Queues updated assets again (continuous refresh). */
  feeder: Pick<QueueFeeder, "refresh">;
  /** The provider's budget; a run spends only spare tokens (see spare-token.ts). */
  budget: Pick<CallBudget, "tryAcquire" | "remaining" | "stats">;
  clock: Clock;
  logger: Logger;
  /**
   * Provider calls per run (QUEUE_ITEMS_PER_RUN): a cap on calls rather than on assets, so that
   * it means the same budget in every fetch mode; in `single` and `prev` modes it is also the cap
   * on assets, one per call.
   */
  callsPerRun: number;
  /** Called after the queue's content changed: items taken out or put back. */
  onQueueChange?: () => void;
}

export interface QueueRunOptions {
  /** Aborts the provider calls and store writes of the run. */
  signal: AbortSignal;
  /** Aborts budget waits (stop): the run then makes no further call. */
  budgetSignal?: AbortSignal;
  /** Tokens to leave free (for the next priority batch), asked again before each token. */
  reserve?: () => CallReservation;
  /** Epoch ms (the next queue tick): the run may wait for a token that frees before it. */
  waitUntilMs?: number;
  /** Asked before each call: true ends the run (e.g. the provider rejects the key). */
  paused?: () => boolean;
}

export interface QueueRunReport {
  /** Queued assets taken out and tried. */
  processed: number;
  /** Provider calls paid for, one spare budget token each. */
  calls: number;
  updated: string[];
  /** Failed items back in the queue (demoted, or unchanged after a rate limit). */
  requeued: string[];
  /** Failed items given up: not retryable, or out of retries. */
  dropped: string[];
  /** Updated assets queued again for their next refresh. */
  refreshed: string[];
  /**
   * The run ended before `callsPerRun` calls with assets still queued, because no spare token was
   * free and none freed before the next queue tick.
   */
  noSpareBudget: boolean;
  /** Milliseconds the run waited for spare tokens. */
  waitedMs: number;
  /** Set when the run did not look at the queue: the provider rejects the key. */
  skipped?: "key_rejected";
}

/** A run that did nothing. */
export function idleQueueRun(): QueueRunReport {
  return {
    processed: 0,
    calls: 0,
    updated: [],
    requeued: [],
    dropped: [],
    refreshed: [],
    noSpareBudget: false,
    waitedMs: 0,
  };
}

export class QueueRunner {
  private readonly options: QueueRunnerOptions;

  constructor(options: QueueRunnerOptions) {
    if (!Number.isInteger(options.callsPerRun) || options.callsPerRun < 1) {
      throw new RangeError(`queue calls per run must be a positive integer, got ${options.callsPerRun}`);
    }
    this.options = options;
  }

  /** Makes up to `callsPerRun` calls for the most urgent queued assets, one spare token each. */
  async processQueue(options: QueueRunOptions): Promise<QueueRunReport> {
    const { queue, budget, clock, callsPerRun, logger } = this.options;
    const { budgetSignal, paused } = options;
    const report = idleQueueRun();
    // Each asset at most once per run: one that failed, or was updated and queued again, waits.
    const tried = new Set<string>();
    const untriedQueued = (): boolean => queue.size > [...tried].filter((s) => queue.has(s)).length;
    while (report.calls < callsPerRun && untriedQueued() && !paused?.() && !budgetSignal?.aborted) {
      const token = await takeSpareToken({
        budget,
        clock,
        reserve: () => options.reserve?.(),
        waitUntilMs: options.waitUntilMs,
        signal: budgetSignal,
      });
      report.waitedMs += token.waitedMs;
      if (!token.taken) {
        report.noSpareBudget = true;
        break;
      }
      report.calls += 1;
      const items = this.takeItemsForOneCall(tried);
      // Empty only if another run emptied the queue during the wait: the token is lost.
      if (items.length === 0) break;
      for (const item of items) tried.add(item.symbol);
      await this.runCall(items, options, report);
    }
    if (report.processed > 0) {
      const { processed, calls, updated, requeued, dropped, refreshed, noSpareBudget, waitedMs } = report;
      logger.info(
        {
          processed,
          calls,
          updated,
          requeued,
          dropped,
          refreshed,
          remaining: queue.size,
          noSpareBudget,
          waitedMs,
        },
        "queue processed",
      );
    } else if (report.noSpareBudget) {
      logger.debug(
        { queueSize: queue.size, waitedMs: report.waitedMs },
        "no spare call budget for the queue",
      );
    }
    return report;
  }

  /**
   * The most urgent item not `tried` yet in this run and every other such item the same call
   * serves: taken in queue order while the call count stays at one (the token already spent);
   * the others keep their place.
   */
  private takeItemsForOneCall(tried: ReadonlySet<string>): QueuedAsset[] {
    const { queue, callsFor } = this.options;
    return queue.dequeueMatching((item, taken) => {
      if (tried.has(item.symbol)) return "skip";
      return taken.length === 0 || callsFor([...taken, item]) <= 1 ? "take" : "skip";
    });
  }

  /** One provider call for `items`, pre-paid with the token just taken; settles each item. */
  private async runCall(
    items: QueuedAsset[],
    options: QueueRunOptions,
    report: QueueRunReport,
  ): Promise<void> {
    const { queue, updater, feeder } = this.options;
    const { signal, budgetSignal } = options;
    this.changed();
    let result: UpdateReport;
    try {
      // callsFor(items) is 1 by the choice of items: exactly the token already spent.
      result = await updater.updateAssets(items, { signal, budgetSignal, prepaidCalls: 1 });
    } catch (error) {
      // Aborted: nothing was decided about these items, so they keep their place.
      for (const item of items) queue.putBack(item);
      this.changed();
      throw error;
    }
    report.processed += items.length;

    const bySymbol = new Map(items.map((item) => [item.symbol, item]));
    let requeued = false;
    for (const { asset, error } of result.failed) {
      const item = bySymbol.get(asset.symbol);
      if (item === undefined) continue;
      const outcome = this.retry(item, error);
      if (outcome === "requeued") {
        report.requeued.push(item.symbol);
        requeued = true;
      } else {
        report.dropped.push(item.symbol);
        this.options.logger.warn(
          { symbol: item.symbol, reason: outcome, err: failureMessage(error) },
          "queued asset dropped",
        );
      }
    }
    if (requeued) this.changed();
    const updated = result.updated.map((s) => s.symbol);
    report.updated.push(...updated);
    report.refreshed.push(...feeder.refresh(updated));
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
}
