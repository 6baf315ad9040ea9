/**
 * Domain types of ET-DATA-001 §3.1. Core code (services/, models/) works only with these; the
 * api/ layer maps them to and from the generated proto types.
 */

/** Update priority: lower is sooner. Values are the spec's. */
export const AssetPriority = { CRITICAL: 1, HIGH: 2, MEDIUM: 3, LOW: 4 } as const;
export type AssetPriority = (typeof AssetPriority)[keyof typeof AssetPriority];
export type AssetPriorityName = keyof typeof AssetPriority;

export const ASSET_PRIORITY_NAMES = Object.keys(AssetPriority) as AssetPriorityName[];

/** Sync state as stored in `data_sources.data_sync_status.sync_status`. */
export type SyncStatus = "pending" | "in_progress" | "success" | "failed" | "stale";
export const SYNC_STATUSES: readonly SyncStatus[] = ["pending", "in_progress", "success", "failed", "stale"];

/** Asset class; selects the provider's snapshot endpoint. */
export type AssetType = "forex" | "crypto";
export const ASSET_TYPES: readonly AssetType[] = ["forex", "crypto"];

/** One catalog entry (spec §3.2 PRIORITY_ASSETS / SECONDARY_ASSETS). */
export interface AssetDefinition {
  symbol: string;
  polygonTicker: string;
  assetType: AssetType;
  name: string;
  priority: AssetPriority;
  baseAsset: string;
  quoteAsset: string;
  pricePrecision: number;
}

/** The fields the updater needs to fetch one asset. */
export type AssetRef = Pick<AssetDefinition, "symbol" | "polygonTicker" | "assetType">;

/** An item waiting in the secondary queue (spec QueuedAsset). Times are epoch milliseconds. */
export interface QueuedAsset extends AssetRef {
  priority: AssetPriority;
  enqueuedAt: number;
  retryCount: number;
  lastError: string | null;
}

/** A validated price snapshot (spec AssetSnapshot). */
export interface AssetSnapshot {
  symbol: string;
  bid: number;
  ask: number;
  spread: number;
  lastPrice: number;
  dailyOpen: number | null;
  dailyHigh: number | null;
  dailyLow: number | null;
  dailyClose: number | null;
  dailyVolume: number | null;
  /** Provider time of the quote or trade. */
  timestamp: Date;
  source: string;
}

export interface AssetFailure {
  symbol: string;
  error: string;
}

export type BatchTrigger = "scheduled" | "manual";

/** Outcome of one priority batch (spec BatchResult). */
export interface BatchResult {
  batchId: string;
  trigger: BatchTrigger;
  startedAt: Date;
  completedAt: Date;
  durationMs: number;
  priorityUpdated: string[];
  priorityFailed: AssetFailure[];
  queueProcessed: number;
  queueRemaining: number;
  apiCallsUsed: number;
  rateLimitWaits: number;
  errors: AssetFailure[];
}

/** What the store knows of one asset: its latest price and last sync. */
export interface AssetState {
  symbol: string;
  latest: AssetSnapshot | null;
  syncStatus: SyncStatus | null;
  /** The last sync attempt, whatever its outcome. */
  lastSyncAt: Date | null;
  /** The last successful sync (price stored); null if never. */
  lastSuccessAt: Date | null;
  errorMessage: string | null;
}

/** Queue statistics (spec PriorityQueue.get_stats). */
export interface QueueStats {
  size: number;
  maxSize: number;
  byPriority: Record<AssetPriorityName, number>;
  oldestAgeSeconds: number;
  totalEnqueued: number;
  totalProcessed: number;
}

/** Call-budget statistics (spec RateLimiter.get_stats). */
export interface RateLimitStats {
  limit: number;
  windowSeconds: number;
  currentCalls: number;
  remaining: number;
  resetAt: Date;
  totalCalls: number;
  totalWaits: number;
}
