/**
 * Runs the batch process (ET-DATA-001 §3.6): the priority batch of the critical assets, the
 * queue processor for secondary assets, and the periodic enqueue of secondary assets; beyond the
 * spec, a stale check that marks assets STALE when their last success is too old.
 *
 * Budget: the priority batch waits for tokens as it needs them; the queue processor never waits,
 * and spends only tokens the next priority batch will not need (see batchReservation).
 *
 * Observers: `onQueueChange` tells streams that the queue changed; `onProviderAccessChange`
 * that the provider rejected the key (the queue processor then pauses) or accepts it again.
 */
import { randomUUID } from "node:crypto";
import type { AssetCatalog } from "../config/priority-assets.js";
import type { AssetFailure, AssetPriority, BatchResult, BatchTrigger, QueueStats } from "../models/batch.js";
import { ShuttingDownError } from "../models/errors.js";
import { type AssetUpdater, failureMessage } from "./asset-updater.js";
import { ChangeListeners } from "./change-listeners.js";
import type { AssetStore, CallBudget, CallReservation, Clock, Logger } from "./ports.js";
import type { PriorityQueue } from "./priority-queue.js";
import { ProviderAccessMonitor, type ProviderAccessStatus } from "./provider-access.js";
import { type EnqueueOutcome, QueueRunner, type QueueRunReport } from "./queue-runner.js";
import { IntervalScheduler, type ScheduledJobStatus } from "./scheduler.js";

export type { ProviderAccessStatus } from "./provider-access.js";
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
  /** Marks newly queued assets PENDING, and old successes STALE. */
  store: Pick<AssetStore, "setSyncStatus" | "markStale">;
  /** The same budget the provider spends: the queue processor takes its tokens here. */
  budget: Pick<CallBudget, "remaining" | "tryAcquire">;
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

export const JOB_IDS = {
  priorityBatch: "priority_batch",
  queueProcessor: "queue_processor",
  enqueueSecondary: "enqueue_secondary",
  staleCheck: "stale_check",
} as const;

const DEFAULT_STOP_GRACE_MS = 5000;
/** The stale check runs at least this often, and at least twice per staleness threshold. */
const MAX_STALE_CHECK_SECONDS = 60;

/** Seconds between stale checks: min(60, staleAfterSeconds / 2). */
export function staleCheckSeconds(staleAfterSeconds: number): number {
  return Math.min(MAX_STALE_CHECK_SECONDS, staleAfterSeconds / 2);
}

export class BatchOrchestrator {
  private readonly options: BatchOrchestratorOptions;
  private readonly scheduler: IntervalScheduler;
  private readonly queueRunner: QueueRunner;
  private readonly newBatchId: () => string;
  /** Aborts running work (HTTP calls included) once the stop grace period is over. */
  private readonly abort = new AbortController();
  /** Aborts budget waits as soon as stop() is called: waiting for a token is not work. */
  private readonly budgetAbort = new AbortController();
  private readonly inFlight = new Set<Promise<unknown>>();
  /** Batches run one at a time, in call order: each waits for the one before it to settle. */
  private batchTail: Promise<unknown> = Promise.resolve();
  /** Batches running or waiting for their turn. */
  private batchesPending = 0;
  private stopping: Promise<void> | null = null;
  private lastBatch: BatchResult | null = null;
  private readonly queueChanges: ChangeListeners;
  private readonly access: ProviderAccessMonitor;
  /** The updater, reporting each outcome to `access`. */
  private readonly updater: BatchOrchestratorOptions["updater"];

  constructor(options: BatchOrchestratorOptions) {
    const { intervals, catalog, logger } = options;
    if (!(options.staleAfterSeconds > 0)) {
      throw new RangeError(`stale threshold must be positive seconds, got ${options.staleAfterSeconds}`);
    }
    this.options = options;
    this.queueChanges = new ChangeListeners((err) => logger.error({ err }, "queue change listener failed"));
    this.access = new ProviderAccessMonitor(options.clock, logger);
    this.updater = this.access.watch(options.updater);
    this.queueRunner = new QueueRunner({
      ...options,
      updater: this.updater,
      itemsPerRun: intervals.queueItemsPerRun,
      onQueueChange: () => this.queueChanges.notify(),
    });
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
        {
          id: JOB_IDS.staleCheck,
          name: "Mark Stale Assets",
          intervalSeconds: staleCheckSeconds(options.staleAfterSeconds),
          runAtStart: true,
          run: () => this.unlessStopping(() => this.markStale()),
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
   * Stops scheduling and aborts budget waits at once (assets still waiting for a token are
   * reported failed as `rate_limited`, queued ones stay queued), lets running provider calls and
   * store writes finish for up to `stopGraceMs`, then aborts them. Resolves when nothing runs any
   * more. Idempotent.
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

  /**
   * Updates up to `queueItemsPerRun` queued assets, one spare budget token each, never waiting
   * for one; failures are requeued or dropped. Does nothing while the provider rejects the key
   * (`skipped: "key_rejected"`): the priority batch alone tries it again.
   */
  processQueue(): Promise<QueueRunReport> {
    if (this.access.isKeyRejected) {
      this.options.logger.debug({ queueSize: this.options.queue.size }, "queue paused: key rejected");
      const idle = { processed: 0, updated: [], requeued: [], dropped: [], noSpareBudget: false };
      return Promise.resolve({ ...idle, skipped: "key_rejected" });
    }
    return this.track(
      this.queueRunner.processQueue({
        signal: this.abort.signal,
        budgetSignal: this.budgetAbort.signal,
        reserve: this.batchReservation(),
      }),
    );
  }

  /**
   * Marks STALE the assets whose last success is older than `staleAfterSeconds`; returns their
   * symbols.
   */
  markStale(): Promise<string[]> {
    return this.track(this.runStaleCheck());
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
      providerAccess: this.access.status(),
    };
  }

  queueStats(): QueueStats {
    return this.options.queue.stats();
  }

  /**
   * Calls `listener` (synchronously, without data) each time the queue's content changes: an
   * enqueue, a refill, items taken by a queue run or put back. Returns the unsubscribe function.
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
    const next = this.batchesPending > 0 ? null : this.scheduler.nextRunAt(JOB_IDS.priorityBatch);
    return { count, atMs: next === null ? now : Math.max(now, next.getTime()) };
  }

  private async runStaleCheck(): Promise<string[]> {
    const { store, logger, staleAfterSeconds } = this.options;
    const marked = await store.markStale(staleAfterSeconds);
    if (marked.length > 0) logger.info({ symbols: marked, staleAfterSeconds }, "assets marked stale");
    return marked;
  }

  private runBatchInTurn(trigger: BatchTrigger): Promise<BatchResult> {
    this.batchesPending += 1;
    const batch = this.batchTail.then(() => this.runPriorityBatch(trigger));
    const settled = batch.then(
      () => undefined,
      () => undefined,
    );
    this.batchTail = settled;
    void settled.then(() => {
      this.batchesPending -= 1;
    });
    return this.track(batch);
  }

  private async runPriorityBatch(trigger: BatchTrigger): Promise<BatchResult> {
    // A batch queued behind another one before stop() began must not start after it.
    if (this.stopping) throw new ShuttingDownError();
    const { catalog, clock, logger, queue } = this.options;
    const { updater } = this;
    const batchId = this.newBatchId();
    const startedAt = clock.now();
    const assets = catalog.priorityAssets();
    logger.info({ batchId, trigger, symbols: assets.map((a) => a.symbol) }, "priority batch started");

    const report = await updater.updateAssets(assets, {
      signal: this.abort.signal,
      budgetSignal: this.budgetAbort.signal,
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
    this.budgetAbort.abort(new ShuttingDownError());
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
