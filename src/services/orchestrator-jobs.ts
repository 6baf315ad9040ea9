/**
 * The batch process's scheduled jobs (ET-DATA-001 §3.6, plus two of ours): their ids, names and
 * periods, and the two upkeep jobs, which touch only the store:
 *
 * - `stale_check` marks STALE the assets whose last success is older than STALE_AFTER_SECONDS;
 * - `prune_history` deletes price history past HISTORY_RETENTION_DAYS, hourly, when the store
 *   keeps history (AssetStore.pruneHistory).
 *
 * The scheduler never overlaps a job with itself: a tick that finds it still running is skipped.
 */
import type { AssetStore, Clock, Logger } from "./ports.js";
import type { IntervalJobSpec } from "./scheduler.js";

export const JOB_IDS = {
  priorityBatch: "priority_batch",
  queueProcessor: "queue_processor",
  enqueueSecondary: "enqueue_secondary",
  staleCheck: "stale_check",
  pruneHistory: "prune_history",
} as const;

/** The stale check runs at least this often, and at least twice per staleness threshold. */
const MAX_STALE_CHECK_SECONDS = 60;
/** History retention is counted in days: pruning hourly keeps it within an hour of the bound. */
export const PRUNE_HISTORY_SECONDS = 3600;

/** Seconds between stale checks: min(60, staleAfterSeconds / 2). */
export function staleCheckSeconds(staleAfterSeconds: number): number {
  return Math.min(MAX_STALE_CHECK_SECONDS, staleAfterSeconds / 2);
}

export interface JobPeriods {
  batchSeconds: number;
  queueSeconds: number;
  enqueueSeconds: number;
  staleAfterSeconds: number;
}

export interface JobRuns {
  priorityBatch: () => Promise<unknown>;
  queueProcessor: () => Promise<unknown>;
  enqueueSecondary: () => Promise<unknown>;
  staleCheck: () => Promise<unknown>;
  pruneHistory: () => Promise<unknown>;
}

/**
 * The job table: the priority batch, the secondary enqueue, the stale check and the prune run at
 * start and then every period; the queue processor first runs one period after start.
 */
export function orchestratorJobs(prioritySymbols: readonly string[], periods: JobPeriods, runs: JobRuns) {
  const jobs: IntervalJobSpec[] = [
    {
      id: JOB_IDS.priorityBatch,
      name: `Priority Assets Batch (${prioritySymbols.join(", ")})`,
      intervalSeconds: periods.batchSeconds,
      runAtStart: true,
      run: runs.priorityBatch,
    },
    {
      id: JOB_IDS.queueProcessor,
      name: "Process Secondary Assets Queue",
      intervalSeconds: periods.queueSeconds,
      runAtStart: false,
      run: runs.queueProcessor,
    },
    {
      id: JOB_IDS.enqueueSecondary,
      name: "Enqueue Secondary Assets",
      intervalSeconds: periods.enqueueSeconds,
      runAtStart: true,
      run: runs.enqueueSecondary,
    },
    {
      id: JOB_IDS.staleCheck,
      name: "Mark Stale Assets",
      intervalSeconds: staleCheckSeconds(periods.staleAfterSeconds),
      runAtStart: true,
      run: runs.staleCheck,
    },
    {
      id: JOB_IDS.pruneHistory,
      name: "Prune Price History",
      intervalSeconds: PRUNE_HISTORY_SECONDS,
      runAtStart: true,
      run: runs.pruneHistory,
    },
  ];
  return jobs;
}

/** Marks STALE the assets whose last success is older than `staleAfterSeconds`; their symbols. */
export async function markStaleAssets(
  store: Pick<AssetStore, "markStale">,
  logger: Logger,
  staleAfterSeconds: number,
): Promise<string[]> {
  const marked = await store.markStale(staleAfterSeconds);
  if (marked.length > 0) logger.info({ symbols: marked, staleAfterSeconds }, "assets marked stale");
  return marked;
}

/**
 * Deletes price history older than the retention (AssetStore.pruneHistory, as of the clock's
 * now); returns the rows deleted, 0 when the store keeps no history.
 */
export async function pruneHistory(
  store: Pick<AssetStore, "pruneHistory">,
  clock: Clock,
  logger: Logger,
): Promise<number> {
  if (store.pruneHistory === undefined) return 0;
  const startedAt = clock.now();
  const deleted = await store.pruneHistory(new Date(startedAt));
  const durationMs = clock.now() - startedAt;
  if (deleted > 0) logger.info({ deleted, durationMs }, "price history pruned");
  else logger.debug({ deleted, durationMs }, "price history pruned");
  return deleted;
}
