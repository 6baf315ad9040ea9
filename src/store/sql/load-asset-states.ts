import type { AssetState, SyncStatus } from "../../models/batch.js";
import { fromLastUpdate } from "../last-update.js";
import type { Queryable } from "../transaction.js";

interface AssetStateRow {
  symbol: string;
  last_update: unknown;
  sync_status: SyncStatus | null;
  last_sync_timestamp: Date | null;
  last_success_at: Date | null;
  error_message: string | null;
}

/**
 * Active catalog symbols with their latest stored price and sync row for the provider, by
 * priority then symbol. `symbols` narrows the result; unknown or inactive symbols are absent.
 */
export async function loadAssetStates(
  db: Queryable,
  providerCode: string,
  symbols: readonly string[] | undefined,
): Promise<AssetState[]> {
  const { rows } = await db.query<AssetStateRow>(
    `SELECT s.symbol,
            s.metadata -> 'last_update' AS last_update,
            st.sync_status,
            st.last_sync_timestamp,
            st.last_success_at,
            st.error_message
       FROM trading.symbols AS s
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
    latest: fromLastUpdate(row.symbol, row.last_update),
    syncStatus: row.sync_status,
    lastSyncAt: row.last_sync_timestamp,
    lastSuccessAt: row.last_success_at,
    errorMessage: row.error_message,
  }));
}
