/**
 * The priority batch (ET-DATA-001 §3.6 run_priority_batch): the critical assets in one update,
 * with budget waits as they need tokens, reported as a BatchResult. Batches run one at a time in
 * call order: a batch asked for while one runs (a RunBatch during a scheduled batch) waits for it,
 * then runs its own, so two batches never run at once and no request is silently merged away.
 */
import type { AssetCatalog } from "../config/priority-assets.js";
import type { AssetFailure, BatchResult, BatchTrigger } from "../models/batch.js";
import { ShuttingDownError } from "../models/errors.js";
import { type AssetUpdater, failureMessage } from "./asset-updater.js";
import type { Clock, Logger } from "./ports.js";

export interface BatchRunnerOptions {
  updater: Pick<AssetUpdater, "updateAssets">;
  catalog: AssetCatalog;
  /** For BatchResult.queueRemaining. */
  queue: { readonly size: number };
  clock: Clock;
  logger: Logger;
  newBatchId: () => string;
  /** Aborts provider calls and store writes (end of the stop grace period). */
  signal: AbortSignal;
  /** Aborts budget waits (stop): assets still waiting for a token fail as rate_limited. */
  budgetSignal: AbortSignal;
  /** True once stop began: a batch still waiting for its turn then does not start. */
  isStopping: () => boolean;
}

export class BatchRunner {
  private readonly options: BatchRunnerOptions;
  /** Each batch waits for the one before it to settle. */
  private tail: Promise<unknown> = Promise.resolve();
  /** Batches running or waiting for their turn. */
  private pendingCount = 0;
  private last: BatchResult | null = null;

  constructor(options: BatchRunnerOptions) {
    this.options = options;
  }

  /** Whether a batch is running or waiting for its turn. */
  get pending(): boolean {
    return this.pendingCount > 0;
  }

  /** The last completed batch; null before the first. */
  get lastBatch(): BatchResult | null {
    return this.last;
  }

  /** Runs a batch after those already asked for; rejects with ShuttingDownError once stopping. */
  runInTurn(trigger: BatchTrigger): Promise<BatchResult> {
    this.pendingCount += 1;
    const batch = this.tail.then(() => this.run(trigger));
    const settled = batch.then(
      () => undefined,
      () => undefined,
    );
    this.tail = settled;
    void settled.then(() => {
      this.pendingCount -= 1;
    });
    return batch;
  }

  private async run(trigger: BatchTrigger): Promise<BatchResult> {
    const { catalog, clock, logger, queue, updater } = this.options;
    // A batch queued behind another one before stop() began must not start after it.
    if (this.options.isStopping()) throw new ShuttingDownError();
    const batchId = this.options.newBatchId();
    const startedAt = clock.now();
    const assets = catalog.priorityAssets();
    logger.info({ batchId, trigger, symbols: assets.map((a) => a.symbol) }, "priority batch started");

    const report = await updater.updateAssets(assets, {
      signal: this.options.signal,
      budgetSignal: this.options.budgetSignal,
    });
    const completedAt = clock.now();
    const failed: AssetFailure[] = report.failed.map(({ asset, error }) => ({
      symbol: asset.symbol,
      error: failureMessage(error),
    }));
    const result: BatchResult = {
      batchId,
      trigger,
      startedAt: new Date(startedAt),
      completedAt: new Date(completedAt),
      durationMs: completedAt - startedAt,
      priorityUpdated: report.updated.map((s) => s.symbol),
      priorityFailed: failed,
      queueProcessed: 0,
      queueRemaining: queue.size,
      apiCallsUsed: report.usage.calls,
      rateLimitWaits: report.usage.waits,
      errors: failed.map((f) => ({ ...f })),
    };
    this.last = result;
    logger.info(
      {
        batchId,
        trigger,
        durationMs: result.durationMs,
        updated: result.priorityUpdated,
        failed: failed.length,
        apiCalls: result.apiCallsUsed,
        rateLimitWaits: result.rateLimitWaits,
      },
      "priority batch completed",
    );
    return result;
  }
}
