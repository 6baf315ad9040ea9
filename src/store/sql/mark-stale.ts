import type { Queryable } from "../transaction.js";

/**
 * Sets `sync_status = 'stale'` on every SUCCESS row of the provider whose last success is more
 * than `olderThanSeconds` old, in one statement, and returns their symbols, sorted.
 * `last_sync_timestamp` is left alone: marking a row stale is not a sync attempt. A row without
 * `last_success_at` (written by an older version) falls back to its last attempt, which was the
 * success.
 */
export async function markStale(
  db: Queryable,
  providerCode: string,
  olderThanSeconds: number,
): Promise<string[]> {
  const { rows } = await db.query<{ symbol: string }>(
    `UPDATE data_sources.data_sync_status AS st
        SET sync_status = 'stale',
            updated_at = now()
       FROM trading.symbols AS s
      WHERE s.id = st.ticker_id
        AND st.provider_id = (SELECT id FROM data_sources.api_providers WHERE code = $1 LIMIT 1)
        AND st.sync_status = 'success'
        AND COALESCE(st.last_success_at, st.last_sync_timestamp)
            < now() - $2::double precision * interval '1 second'
  RETURNING s.symbol`,
    [providerCode, olderThanSeconds],
  );
  return rows.map((row) => row.symbol).sort();
}
