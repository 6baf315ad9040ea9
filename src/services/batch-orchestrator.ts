/**
 * Runs the batch process (ET-DATA-001 §3.6): the priority batch of the critical assets
 * (batch-runner.ts), the queue processor for secondary assets (queue-runner.ts), and the periodic
 * enqueue of secondary assets (queue-feeder.ts); beyond the spec, the stale check and the history
 * prune (orchestrator-jobs.ts), and the continuous refresh of secondary assets: each one the
 * queue updates is queued again, so the queue uses all the budget the priority batch leaves.
 *
 * Budget: the priority batch waits for tokens as it needs them; the queue processor spends only
 * tokens the next priority batch will not need (see batchReservation), waiting at most until its
 * next tick for one to free, so critical assets are never delayed by secondary ones.
 *
 * Observers: `onQueueChange` tells streams that the queue changed; `onProviderAccessChange`
 * that the provider rejected the key (the queue processor then pauses) or accepts it again.
 */
import { randomUUID } from "node:crypto";
import type { AssetCatalog } from "../config/priority-assets.js";
import type { AssetPriority, BatchResult, QueueStats } from "../models/batch.js";
import { ShuttingDownError } from "../models/errors.js";
import type { AssetUpdater } from "./asset-updater.js";
import { BatchRunner } from "./batch-runner.js";
import { ChangeListeners } from "./change-listeners.js";
import { JOB_IDS, markStaleAssets, orchestratorJobs, pruneHistory } from "./orchestrator-jobs.js";
import type { AssetStore, CallBudget, CallReservation, Clock, Logger } from "./ports.js";
import type { PriorityQueue } from "./priority-queue.js";
import { ProviderAccessMonitor, type ProviderAccessStatus } from "./provider-access.js";
import { type EnqueueOutcome, QueueFeeder } from "./queue-feeder.js";
import { idleQueueRun, QueueRunner, type QueueRunReport } from "./queue-runner.js";
import { RunningWork } from "./running-work.js";
import { IntervalScheduler, type ScheduledJobStatus } from "./scheduler.js";

export { JOB_IDS, PRUNE_HISTORY_SECONDS, staleCheckSeconds } from "./orchestrator-jobs.js";
export type { ProviderAccessStatus } from "./provider-access.js";
export type { EnqueueOutcome } from "./queue-feeder.js";
export type { QueueRunReport } from "./queue-runner.js";

export interface OrchestratorIntervals {
  /** Priority batch period; the first batch runs at start. */
  batchSeconds: number;
  queueSeconds: number;
  /**
   * Provider calls per queue-processor run (QUEUE_ITEMS_PER_RUN): one asset each in `single` and
   * `prev` modes; in `multi` and `universal` a call serves every queued asset it can.
   */
  queueItemsPerRun: number;
  /** Secondary enqueue period; the first enqueue runs at start. */
  enqueueSeconds: number;
}

export interface BatchOrchestratorOptions {
  /** `callsFor` says what a queue call costs (MarketDataProvider.callsFor). */
  updater: Pick<AssetUpdater, "updateAssets" | "callsFor">;
  queue: PriorityQueue;
  catalog: AssetCatalog;
  /** Marks newly queued assets PENDING and old successes STALE; prunes price history. */
  store: Pick<AssetStore, "setSyncStatus" | "markStale" | "pruneHistory">;
  /** The same budget the provider spends: the queue processor takes its tokens here. */
  budget: Pick<CallBudget, "remaining" | "tryAcquire" | "stats">;
  clock: Clock;
  logger: Logger;
  intervals: OrchestratorIntervals;
  /** An asset whose last success is older than this is STALE (STALE_AFTER_SECONDS). */
  staleAfterSeconds: number;
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
  /** Whether the provider rejects the key, and assets its plan does not include. */
  providerAccess: ProviderAccessStatus;
}

const DEFAULT_STOP_GRACE_MS = 5000;

export class BatchOrchestrator {
  private readonly options: BatchOrchestratorOptions;
  private readonly scheduler: IntervalScheduler;
  private readonly batches: BatchRunner;
  private readonly feeder: QueueFeeder;
  private readonly queueRunner: QueueRunner;
  /** Aborts running work (HTTP calls included) once the stop grace period is over. */
  private readonly abort = new AbortController();
  /** Aborts budget waits as soon as stop() is called: waiting for a token is not work. */
  private readonly budgetAbort = new AbortController();
  private readonly work = new RunningWork();
  private stopping: Promise<void> | null = null;
  private readonly queueChanges: ChangeListeners;
  private readonly access: ProviderAccessMonitor;

  constructor(options: BatchOrchestratorOptions) {
    const { intervals, catalog, logger, clock, store } = options;
    if (!(options.staleAfterSeconds > 0)) {
      throw new RangeError(`stale threshold must be positive seconds, got ${options.staleAfterSeconds}`);
    }
    this.options = options;
    this.queueChanges = new ChangeListeners((err) => logger.error({ err }, "queue change listener failed"));
    this.access = new ProviderAccessMonitor(clock, logger);
    // Every outcome, of batches and queue runs alike, is reported to `access`.
    const updater = this.access.watch(options.updater);
    const onQueueChange = () => this.queueChanges.notify();
    this.batches = new BatchRunner({
      ...options,
      updater,
      newBatchId: options.idFactory ?? (() => randomUUID().slice(0, 8)),
      signal: this.abort.signal,
      budgetSignal: this.budgetAbort.signal,
      isStopping: () => this.stopping !== null,
    });
    this.feeder = new QueueFeeder({ ...options, onQueueChange });
    this.queueRunner = new QueueRunner({
      ...options,
      updater,
      callsFor: (assets) => options.updater.callsFor(assets),
      feeder: this.feeder,
      callsPerRun: intervals.queueItemsPerRun,
      onQueueChange,
    });
    const jobs = orchestratorJobs(
      catalog.prioritySymbols(),
      { ...intervals, staleAfterSeconds: options.staleAfterSeconds },
      {
        priorityBatch: () => this.unlessStopping(() => this.track(this.batches.runInTurn("scheduled"))),
        queueProcessor: () => this.unlessStopping(() => this.processQueue()),
        enqueueSecondary: () => this.unlessStopping(() => this.enqueueSecondary()),
        staleCheck: () => this.unlessStopping(() => this.markStale()),
        pruneHistory: () => this.unlessStopping(() => this.track(pruneHistory(store, clock, logger))),
      },
    );
    this.scheduler = new IntervalScheduler({ clock, logger, jobs });
  }

  start(): void {
    if (this.stopping) throw new ShuttingDownError();
    if (this.scheduler.started) return;
    this.scheduler.start();
    this.options.logger.info({ intervals: this.options.intervals }, "batch orchestrator started");
  }

  /**
   * Stops scheduling and aborts budget waits at once (assets still waiting for a token are
   * reported failed as `rate_limited`, queued ones stay queued, a queue run waiting for a spare
   * token ends), lets running provider calls and store writes finish for up to `stopGraceMs`,
   * then aborts them. Resolves when nothing runs any more. Idempotent.
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
    return this.track(this.batches.runInTurn("manual"));
  }

  /**
   * Makes up to `queueItemsPerRun` provider calls for the most urgent queued assets, each paid
   * with a spare budget token; when none is free, waits for one that frees before the queue
   * processor's next tick (no wait when the scheduler is not running). Failures are requeued or
   * dropped, updated assets queued again for their next refresh. Does nothing while the provider
   * rejects the key (`skipped: "key_rejected"`): the priority batch alone tries it again.
   */
  processQueue(): Promise<QueueRunReport> {
    if (this.access.isKeyRejected) {
      this.options.logger.debug({ queueSize: this.options.queue.size }, "queue paused: key rejected");
      return Promise.resolve({ ...idleQueueRun(), skipped: "key_rejected" });
    }
    const nextTick = this.scheduler.nextRunAt(JOB_IDS.queueProcessor);
    return this.track(
      this.queueRunner.processQueue({
        signal: this.abort.signal,
        budgetSignal: this.budgetAbort.signal,
        reserve: () => this.batchReservation(),
        waitUntilMs: nextTick?.getTime(),
        paused: () => this.access.isKeyRejected,
      }),
    );
  }

  /**
   * Marks STALE the assets whose last success is older than `staleAfterSeconds`; returns their
   * symbols.
   */
  markStale(): Promise<string[]> {
    const { store, logger, staleAfterSeconds } = this.options;
    return this.track(markStaleAssets(store, logger, staleAfterSeconds));
  }

  /** Queues every secondary asset that is not queued yet; returns the symbols queued. */
  enqueueSecondary(): Promise<string[]> {
    return this.track(this.feeder.enqueueSecondary());
  }

  /**
   * Queues one catalog asset (EnqueueAsset RPC), at its catalog priority unless one is given.
   * Throws UnknownAssetError, QueueFullError, or ShuttingDownError once stop() was called.
   */
  async enqueue(symbol: string, priority?: AssetPriority): Promise<EnqueueOutcome> {
    if (this.stopping) throw new ShuttingDownError();
    return this.feeder.enqueue(symbol, priority);
  }

  status(): OrchestratorStatus {
    return {
      running: this.scheduler.started && this.stopping === null,
      jobs: this.scheduler.status(),
      lastBatch: this.batches.lastBatch,
      priorityAssets: this.options.catalog.prioritySymbols(),
      queueSize: this.options.queue.size,
      callsRemaining: this.options.budget.remaining(),
      providerAccess: this.access.status(),
    };
  }

  queueStats(): QueueStats {
    return this.options.queue.stats();
  }

  /**
   * Calls `listener` (synchronously, without data) each time the queue's content changes: an
   * enqueue, a refill, items taken by a queue run, put back or queued again for their refresh.
   * Returns the unsubscribe function.
   */
  onQueueChange(listener: () => void): () => void {
    return this.queueChanges.add(listener);
  }

  /** Calls `listener` each time `status().providerAccess` changes. Returns the unsubscribe function. */
  onProviderAccessChange(listener: () => void): () => void {
    return this.access.onChange(listener);
  }

  /**
   * What the queue processor must leave free: a token per critical asset at the next priority
   * batch. Due now when a batch is running or waiting for its turn, or when none is scheduled (a
   * manual batch may come at any time). Manual batches on top of the schedule are not foreseen:
   * they may wait for tokens the queue spent, but then the queue waits for them, never the reverse.
   */
  private batchReservation(): CallReservation {
    const count = this.options.catalog.priorityAssets().length;
    const now = this.options.clock.now();
    const next = this.batches.pending ? null : this.scheduler.nextRunAt(JOB_IDS.priorityBatch);
    return { count, atMs: next === null ? now : Math.max(now, next.getTime()) };
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
    return this.work.track(work);
  }

  private async shutdown(): Promise<void> {
    const { clock, logger } = this.options;
    this.scheduler.stop();
    this.budgetAbort.abort(new ShuttingDownError());
    logger.info({ running: this.work.size }, "batch orchestrator stopping");
    const graceMs = this.options.stopGraceMs ?? DEFAULT_STOP_GRACE_MS;
    if (!(await this.work.finishWithin(clock, graceMs))) {
      logger.warn({ graceMs }, "running work did not finish in time; aborting it");
      this.abort.abort(new ShuttingDownError());
      await this.work.whenIdle();
    }
    logger.info({}, "batch orchestrator stopped");
  }
}
