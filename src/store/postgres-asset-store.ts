import type pg from "pg";
import type { AssetDefinition, AssetSnapshot, AssetState } from "../models/batch.js";
import type { AssetStore, SyncStatusUpdate } from "../services/ports.js";
import { loadAssetStates } from "./sql/load-asset-states.js";
import { markStale } from "./sql/mark-stale.js";
import { mergeLastUpdate } from "./sql/merge-last-update.js";
import { upsertCatalog } from "./sql/upsert-catalog.js";
import { upsertSyncStatus } from "./sql/upsert-sync-status.js";
import { withTransaction } from "./transaction.js";

/** `data_sources.api_providers.code` of the only provider so far. */
export const POLYGON_PROVIDER_CODE = "polygon";

/**
 * AssetStore over a `pg.Pool`: a real PostgreSQL server, or embedded PGlite behind the same pool
 * API. Each call is a fixed number of statements whatever the number of symbols.
 */
export class PostgresAssetStore implements AssetStore {
  private closing: Promise<void> | undefined;
  /** Symbols of the configured catalog, once upsertCatalog has run. */
  private catalog: string[] | undefined;

  constructor(
    private readonly pool: pg.Pool,
    private readonly providerCode = POLYGON_PROVIDER_CODE,
  ) {}

  async saveSnapshots(snapshots: readonly AssetSnapshot[]): Promise<void> {
    const latest = lastPerSymbol(snapshots);
    if (latest.length === 0) return;
    const success = latest.map(
      (s): SyncStatusUpdate => ({ symbol: s.symbol, status: "success", error: null }),
    );
    await withTransaction(this.pool, async (client) => {
      await mergeLastUpdate(client, latest);
      await upsertSyncStatus(client, this.providerCode, success);
    });
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
