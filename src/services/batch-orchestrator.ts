/**
 * Runs the batch process (ET-DATA-001 §3.6): the priority batch of the critical assets, the
 * queue processor for secondary assets, and the periodic enqueue of secondary assets.
 */
import { randomUUID } from "node:crypto";
import type { AssetCatalog } from "../config/priority-assets.js";
import type { AssetFailure, AssetPriority, BatchResult, BatchTrigger, QueueStats } from "../models/batch.js";
import { ShuttingDownError } from "../models/errors.js";
import { type AssetUpdater, failureMessage } from "./asset-updater.js";
import type { AssetStore, CallBudget, Clock, Logger } from "./ports.js";
import type { PriorityQueue } from "./priority-queue.js";
import { type EnqueueOutcome, QueueRunner, type QueueRunReport } from "./queue-runner.js";
import { IntervalScheduler, type ScheduledJobStatus } from "./scheduler.js";

export type { EnqueueOutcome, QueueRunReport } from "./queue-runner.js";

export interface OrchestratorIntervals {
  /** Priority batch period; the first batch runs at start. */
  batchSeconds: number;
  queueSeconds: number;
  /** Queue items updated per queue-processor run. */
  queueItemsPerRun: number;
  /** Secondary enqueue period; the first enqueue runs at start. */
  enqueueSeconds: number;
}

export interface BatchOrchestratorOptions {
  updater: Pick<AssetUpdater, "updateAssets">;
  queue: PriorityQueue;
  catalog: AssetCatalog;
  /** Marks newly queued assets PENDING. */
  store: Pick<AssetStore, "setSyncStatus">;
  budget: Pick<CallBudget, "remaining">;
  clock: Clock;
  logger: Logger;
  intervals: OrchestratorIntervals;
  /** Batch ids; default: 8 hex characters of a random UUID. */
  idFactory?: () => string;
  /** How long stop() lets running work finish before aborting it. Default 5000. */
  stopGraceMs?: number;
}

export interface OrchestratorStatus {
  /** True between start() and stop(). */
  running: boolean;
  jobs: ScheduledJobStatus[];
  lastBatch: BatchResult | null;
  priorityAssets: string[];
  queueSize: number;
  callsRemaining: number;
}

export const JOB_IDS = {
  priorityBatch: "priority_batch",
  queueProcessor: "queue_processor",
  enqueueSecondary: "enqueue_secondary",
} as const;

const DEFAULT_STOP_GRACE_MS = 5000;

export class BatchOrchestrator {
  private readonly options: BatchOrchestratorOptions;
  private readonly scheduler: IntervalScheduler;
  private readonly queueRunner: QueueRunner;
  private readonly newBatchId: () => string;
  private readonly abort = new AbortController();
  private readonly inFlight = new Set<Promise<unknown>>();
  /** Batches run one at a time, in call order: each waits for the one before it to settle. */
  private batchTail: Promise<unknown> = Promise.resolve();
  private stopping: Promise<void> | null = null;
  private lastBatch: BatchResult | null = null;

  constructor(options: BatchOrchestratorOptions) {
    const { intervals, catalog } = options;
    this.options = options;
    this.queueRunner = new QueueRunner({ ...options, itemsPerRun: intervals.queueItemsPerRun });
    this.newBatchId = options.idFactory ?? (() => randomUUID().slice(0, 8));
    this.scheduler = new IntervalScheduler({
      clock: options.clock,
      logger: options.logger,
      jobs: [
        {
          id: JOB_IDS.priorityBatch,
          name: `Priority Assets Batch (${catalog.prioritySymbols().join(", ")})`,
          intervalSeconds: intervals.batchSeconds,
          runAtStart: true,
          run: () => this.unlessStopping(() => this.runBatchInTurn("scheduled")),
        },
        {
          id: JOB_IDS.queueProcessor,
          name: "Process Secondary Assets Queue",
          intervalSeconds: intervals.queueSeconds,
          runAtStart: false,
          run: () => this.unlessStopping(() => this.processQueue()),
        },
        {
          id: JOB_IDS.enqueueSecondary,
          name: "Enqueue Secondary Assets",
          intervalSeconds: intervals.enqueueSeconds,
          runAtStart: true,
          run: () => this.unlessStopping(() => this.enqueueSecondary()),
        },
      ],
    });
  }

  start(): void {
    if (this.stopping) throw new ShuttingDownError();
    if (this.scheduler.started) return;
    this.scheduler.start();
    this.options.logger.info({ intervals: this.options.intervals }, "batch orchestrator started");
  }

  /**
   * Stops scheduling, lets running work finish for up to `stopGraceMs`, then aborts budget waits
   * and provider calls. Resolves when nothing runs any more. Idempotent.
   */
  stop(): Promise<void> {
    this.stopping ??= this.shutdown();
    return this.stopping;
  }

  /**
   * Runs the priority batch now. If a batch is running, this one waits for it to finish and then
   * runs: two batches never run at once, and a manual request is never silently merged away.
   */
  runManualBatch(): Promise<BatchResult> {
    if (this.stopping) return Promise.reject(new ShuttingDownError());
    return this.runBatchInTurn("manual");
  }

  /** Updates up to `queueItemsPerRun` queued assets; failures are requeued or dropped. */
  processQueue(): Promise<QueueRunReport> {
    return this.track(this.queueRunner.processQueue(this.abort.signal));
  }

  /** Queues every secondary asset that is not queued yet; returns the symbols queued. */
  enqueueSecondary(): Promise<string[]> {
    return this.track(this.queueRunner.enqueueSecondary());
  }

  /**
   * Queues one catalog asset (EnqueueAsset RPC), at its catalog priority unless one is given.
   * Throws UnknownAssetError, QueueFullError, or ShuttingDownError once stop() was called.
   */
  async enqueue(symbol: string, priority?: AssetPriority): Promise<EnqueueOutcome> {
    if (this.stopping) throw new ShuttingDownError();
    return this.queueRunner.enqueue(symbol, priority);
  }

  status(): OrchestratorStatus {
    return {
      running: this.scheduler.started && this.stopping === null,
      jobs: this.scheduler.status(),
      lastBatch: this.lastBatch,
      priorityAssets: this.options.catalog.prioritySymbols(),
      queueSize: this.options.queue.size,
      callsRemaining: this.options.budget.remaining(),
    };
  }

  queueStats(): QueueStats {
    return this.options.queue.stats();
  }

  private runBatchInTurn(trigger: BatchTrigger): Promise<BatchResult> {
    const batch = this.batchTail.then(() => this.runPriorityBatch(trigger));
    this.batchTail = batch.catch(() => undefined);
    return this.track(batch);
  }

  private async runPriorityBatch(trigger: BatchTrigger): Promise<BatchResult> {
    // A batch queued behind another one before stop() began must not start after it.
    if (this.stopping) throw new ShuttingDownError();
    const { catalog, clock, logger, updater, queue } = this.options;
    const batchId = this.newBatchId();
    const startedAt = clock.now();
    const assets = catalog.priorityAssets();
    logger.info({ batchId, trigger, symbols: assets.map((a) => a.symbol) }, "priority batch started");

    const report = await updater.updateAssets(assets, { signal: this.abort.signal });
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
    this.lastBatch = result;
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

  /** Scheduled runs do nothing once stopping, and a run refused for shutdown is not an error. */
  private async unlessStopping(run: () => Promise<unknown>): Promise<void> {
    if (this.stopping) return;
    try {
      await run();
    } catch (error) {
      if (!(error instanceof ShuttingDownError)) throw error;
    }
  }

  private track<T>(work: Promise<T>): Promise<T> {
    this.inFlight.add(work);
    const forget = (): void => {
      this.inFlight.delete(work);
    };
    work.then(forget, forget);
    return work;
  }

  private async shutdown(): Promise<void> {
    const { clock, logger } = this.options;
    this.scheduler.stop();
    logger.info({ running: this.inFlight.size }, "batch orchestrator stopping");
    const idle = this.whenIdle();
    const graceTimer = new AbortController();
    const graceMs = this.options.stopGraceMs ?? DEFAULT_STOP_GRACE_MS;
    const finishedInGrace = await Promise.race([
      idle.then(() => true),
      clock.sleep(graceMs, graceTimer.signal).then(
        () => false,
        () => false,
      ),
    ]);
    graceTimer.abort();
    if (!finishedInGrace) {
      logger.warn({ graceMs }, "running work did not finish in time; aborting it");
      this.abort.abort(new ShuttingDownError());
      await idle;
    }
    logger.info({}, "batch orchestrator stopped");
  }

  private async whenIdle(): Promise<void> {
    while (this.inFlight.size > 0) await Promise.allSettled([...this.inFlight]);
  }
}
