import type { AssetSnapshot, AssetState, SyncStatus } from "../../models/batch.js";
import { fromLastUpdate } from "../last-update.js";
import type { Queryable } from "../transaction.js";

interface AssetStateRow {
  symbol: string;
  /** Columns of the latest `trading.price_snapshots` row; all null when the symbol has none. */
  bid: number | null;
  ask: number | null;
  spread: number | null;
  last_price: number | null;
  daily_open: number | null;
  daily_high: number | null;
  daily_low: number | null;
  daily_close: number | null;
  daily_volume: number | null;
  provider_ts: Date | null;
  source: string | null;
  /** `metadata->'last_update'`, read only when the symbol has no history row. */
  legacy_last_update: unknown;
  sync_status: SyncStatus | null;
  last_sync_timestamp: Date | null;
  last_success_at: Date | null;
  error_message: string | null;
}

/**
 * Active catalog symbols with their latest price and sync row for the provider, by priority then
 * symbol. `symbols` narrows the result; unknown or inactive symbols are absent.
 *
 * The latest price is the symbol's newest history row by provider time (ties: the later insert),
 * one probe of price_snapshots_symbol_time_idx per symbol. A symbol without history falls back to
 * `metadata->'last_update'`: prices stored before migration 0004, or written by another service
 * sharing the table (the spec's Python service writes only metadata).
 */
export async function loadAssetStates(
  db: Queryable,
  providerCode: string,
  symbols: readonly string[] | undefined,
): Promise<AssetState[]> {
  const { rows } = await db.query<AssetStateRow>(
    `SELECT s.symbol,
            h.bid, h.ask, h.spread, h.last_price, h.daily_open, h.daily_high, h.daily_low,
            h.daily_close, h.daily_volume, h.provider_ts, h.source,
            CASE WHEN h.provider_ts IS NULL THEN s.metadata -> 'last_update' END AS legacy_last_update,
            st.sync_status,
            st.last_sync_timestamp,
            st.last_success_at,
            st.error_message
       FROM trading.symbols AS s
       LEFT JOIN LATERAL (
              SELECT p.bid, p.ask, p.spread, p.last_price, p.daily_open, p.daily_high, p.daily_low,
                     p.daily_close, p.daily_volume, p.provider_ts, p.source
                FROM trading.price_snapshots AS p
               WHERE p.symbol_id = s.id
               ORDER BY p.provider_ts DESC, p.id DESC
               LIMIT 1
            ) AS h ON true
       LEFT JOIN data_sources.data_sync_status AS st
              ON st.ticker_id = s.id
             AND st.provider_id = (SELECT id FROM data_sources.api_providers WHERE code = $1 LIMIT 1)
      WHERE s.is_active
        AND ($2::text[] IS NULL OR s.symbol = ANY ($2::text[]))
      -- COLLATE "C": the same order on every server locale and on PGlite.
      ORDER BY s.priority NULLS LAST, s.symbol COLLATE "C"`,
    [providerCode, symbols ?? null],
  );
  return rows.map((row) => ({
    symbol: row.symbol,
    latest: fromHistoryRow(row) ?? fromLastUpdate(row.symbol, row.legacy_last_update),
    syncStatus: row.sync_status,
    lastSyncAt: row.last_sync_timestamp,
    lastSuccessAt: row.last_success_at,
    errorMessage: row.error_message,
  }));
}

function fromHistoryRow(row: AssetStateRow): AssetSnapshot | null {
  const { bid, ask, spread, last_price: lastPrice, provider_ts: timestamp, source } = row;
  // NOT NULL columns: all set when a row was joined, all null otherwise.
  if (bid === null || ask === null || spread === null || lastPrice === null || timestamp === null) {
    return null;
  }
  return {
    symbol: row.symbol,
    bid,
    ask,
    spread,
    lastPrice,
    dailyOpen: row.daily_open,
    dailyHigh: row.daily_high,
    dailyLow: row.daily_low,
    dailyClose: row.daily_close,
    dailyVolume: row.daily_volume,
    timestamp,
    source: source ?? "unknown",
  };
}
