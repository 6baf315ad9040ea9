import type { SyncStatusUpdate } from "../../services/ports.js";
import type { Queryable } from "../transaction.js";

/**
 * The conflict clause of every write to `data_sources.data_sync_status` (this file's upsert and
 * saveSnapshots), with the spec's semantics: `last_sync_timestamp` is the time of the attempt
 * whatever its outcome, and the error is overwritten (SUCCESS clears it). Beyond the spec,
 * `last_success_at` is set by a SUCCESS only and kept otherwise.
 */
export const SYNC_STATUS_ON_CONFLICT = `ON CONFLICT (ticker_id, provider_id) DO UPDATE
        SET last_sync_timestamp = now(),
            sync_status = EXCLUDED.sync_status,
            error_message = EXCLUDED.error_message,
            updated_at = now(),
            last_success_at = COALESCE(EXCLUDED.last_success_at, data_sync_status.last_success_at)`;

/**
 * ET-DATA-001 §3.5 `_update_sync_status` for many symbols in one statement (see
 * SYNC_STATUS_ON_CONFLICT). Unknown symbols are skipped; a missing provider row fails on the NOT
 * NULL constraint. Symbols must be distinct (ON CONFLICT cannot touch a row twice).
 */
export async function upsertSyncStatus(
  db: Queryable,
  providerCode: string,
  updates: readonly SyncStatusUpdate[],
): Promise<void> {
  await db.query(
    `INSERT INTO data_sources.data_sync_status
            (ticker_id, provider_id, last_sync_timestamp, sync_status, error_message, updated_at,
             last_success_at)
     SELECT s.id,
            (SELECT id FROM data_sources.api_providers WHERE code = $1 LIMIT 1),
            now(), u.status, u.error, now(),
            CASE WHEN u.status = 'success' THEN now() END
       FROM unnest($2::text[], $3::text[], $4::text[]) AS u(symbol, status, error)
       JOIN trading.symbols AS s ON s.symbol = u.symbol
     ${SYNC_STATUS_ON_CONFLICT}`,
    [
      providerCode,
      updates.map((update) => update.symbol),
      updates.map((update) => update.status),
      updates.map((update) => update.error),
    ],
  );
}
