import type pg from "pg";
import type { AssetDefinition, AssetSnapshot, AssetState } from "../models/batch.js";
import type { AssetStore, SyncStatusUpdate } from "../services/ports.js";
import { loadAssetStates } from "./sql/load-asset-states.js";
import { markStale } from "./sql/mark-stale.js";
import { pruneHistoryChunk } from "./sql/prune-history.js";
import { saveSnapshots } from "./sql/save-snapshots.js";
import { upsertCatalog } from "./sql/upsert-catalog.js";
import { upsertSyncStatus } from "./sql/upsert-sync-status.js";

/** `data_sources.api_providers.code` of the only provider so far. */
export const POLYGON_PROVIDER_CODE = "polygon";
/** HISTORY_RETENTION_DAYS when unset. */
export const DEFAULT_HISTORY_RETENTION_DAYS = 30;
/** Rows deleted per statement by pruneHistory: bounds each statement's locks, WAL and time. */
export const DEFAULT_PRUNE_CHUNK_ROWS = 10_000;

const DAY_MS = 86_400_000;

export interface PostgresAssetStoreOptions {
  /** `data_sources.api_providers.code` of the rows written; default `polygon`. */
  providerCode?: string;
  /** Days of price history pruneHistory keeps (by provider time); 0 keeps everything. Default 30. */
  historyRetentionDays?: number;
  /** Rows deleted per statement by pruneHistory. Default 10,000. */
  pruneChunkRows?: number;
}

/** The options with their defaults; throws RangeError on a value the store cannot use. */
export function resolveStoreOptions(options: PostgresAssetStoreOptions): Required<PostgresAssetStoreOptions> {
  const resolved = {
    providerCode: options.providerCode ?? POLYGON_PROVIDER_CODE,
    historyRetentionDays: options.historyRetentionDays ?? DEFAULT_HISTORY_RETENTION_DAYS,
    pruneChunkRows: options.pruneChunkRows ?? DEFAULT_PRUNE_CHUNK_ROWS,
  };
  if (!Number.isSafeInteger(resolved.historyRetentionDays) || resolved.historyRetentionDays < 0) {
    throw new RangeError(
      `historyRetentionDays must be a whole number >= 0, got ${resolved.historyRetentionDays}`,
    );
  }
  if (!Number.isSafeInteger(resolved.pruneChunkRows) || resolved.pruneChunkRows < 1) {
    throw new RangeError(`pruneChunkRows must be a whole number >= 1, got ${resolved.pruneChunkRows}`);
  }
  return resolved;
}

/**
 * AssetStore over a `pg.Pool`: a real PostgreSQL server, or embedded PGlite behind the same pool
 * API. Each call is a fixed number of statements whatever the number of symbols (pruneHistory:
 * one per chunk).
 */
export class PostgresAssetStore implements AssetStore {
  private closing: Promise<void> | undefined;
  /** Symbols of the configured catalog, once upsertCatalog has run. */
  private catalog: string[] | undefined;
  private readonly providerCode: string;
  private readonly historyRetentionDays: number;
  private readonly pruneChunkRows: number;

  constructor(
    private readonly pool: pg.Pool,
    options: PostgresAssetStoreOptions = {},
  ) {
    const resolved = resolveStoreOptions(options);
    this.providerCode = resolved.providerCode;
    this.historyRetentionDays = resolved.historyRetentionDays;
    this.pruneChunkRows = resolved.pruneChunkRows;
  }

  /** Metadata merge, history rows and SUCCESS status of the whole batch: one statement. */
  async saveSnapshots(snapshots: readonly AssetSnapshot[]): Promise<void> {
    const latest = lastPerSymbol(snapshots);
    if (latest.length === 0) return;
    await saveSnapshots(this.pool, this.providerCode, latest);
  }

  async setSyncStatus(updates: readonly SyncStatusUpdate[]): Promise<void> {
    const latest = lastPerSymbol(updates);
    if (latest.length === 0) return;
    await upsertSyncStatus(this.pool, this.providerCode, latest);
  }

  /**
   * Without `symbols`: the configured catalog given to upsertCatalog, or every active row before
   * that. `trading.symbols` may be shared with other services, so rows outside the configuration
   * are left in place and filtered out here rather than deactivated.
   */
  loadAssetStates(symbols?: readonly string[]): Promise<AssetState[]> {
    return loadAssetStates(this.pool, this.providerCode, symbols ?? this.catalog);
  }

  markStale(olderThanSeconds: number): Promise<string[]> {
    return markStale(this.pool, this.providerCode, olderThanSeconds);
  }

  /**
   * Deletes history rows whose provider time is more than the retention before `now`, except each
   * symbol's latest row, one chunk per statement (each commits on its own, so a long prune never
   * holds locks or a snapshot for long) until a chunk comes back short. Returns the rows deleted;
   * 0 at once when the retention is 0 (keep forever).
   */
  async pruneHistory(now: Date): Promise<number> {
    if (this.historyRetentionDays === 0) return 0;
    const cutoff = new Date(now.getTime() - this.historyRetentionDays * DAY_MS);
    let total = 0;
    for (;;) {
      const deleted = await pruneHistoryChunk(this.pool, cutoff, this.pruneChunkRows);
      total += deleted;
      if (deleted < this.pruneChunkRows) return total;
    }
  }

  /** Makes the catalog rows match the configured assets (run at start; see upsertCatalog). */
  async upsertCatalog(assets: readonly AssetDefinition[]): Promise<void> {
    const latest = lastPerSymbol(assets);
    if (latest.length > 0) await upsertCatalog(this.pool, latest);
    this.catalog = latest.map((asset) => asset.symbol);
  }

  /** Resolves when the database answers; for readiness checks. */
  async ping(): Promise<void> {
    await this.pool.query("SELECT 1");
  }

  /** Ends the pool after in-flight queries finish. Safe to call more than once. */
  close(): Promise<void> {
    this.closing ??= this.pool.end();
    return this.closing;
  }
}

/**
 * One entry per symbol, the last one winning as if the calls had been made in order: a single
 * statement cannot update the same row twice.
 */
function lastPerSymbol<T extends { symbol: string }>(items: readonly T[]): T[] {
  return [...new Map(items.map((item) => [item.symbol, item])).values()];
}
