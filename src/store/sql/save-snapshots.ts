import type { AssetSnapshot } from "../../models/batch.js";
import { toMetadataPatch } from "../last-update.js";
import type { Queryable } from "../transaction.js";
import { SYNC_STATUS_ON_CONFLICT } from "./upsert-sync-status.js";

/**
 * Stores a batch of snapshots in ONE statement, atomic by itself, with one round trip:
 * - ET-DATA-001 §3.5 `_update_database`: merges `{"last_update": …}` into each symbol's metadata
 *   with `||` and touches `updated_at`;
 * - appends one row per snapshot to `trading.price_snapshots`;
 * - §3.5 `_update_sync_status`: marks each symbol SUCCESS (SYNC_STATUS_ON_CONFLICT).
 * The history and the status are driven by the rows the UPDATE returns, so the three always agree:
 * unknown symbols are skipped by all three (as the spec's UPDATE and INSERT … SELECT skip them),
 * and a failure of any part (e.g. no provider row: NOT NULL) writes nothing at all.
 * Symbols must be distinct (an UPDATE … FROM applies only one input row per target row).
 */
export async function saveSnapshots(
  db: Queryable,
  providerCode: string,
  snapshots: readonly AssetSnapshot[],
): Promise<void> {
  await db.query(
    `WITH input AS (
       SELECT *
         FROM unnest($2::text[], $3::text[], $4::float8[], $5::float8[], $6::float8[], $7::float8[],
                     $8::float8[], $9::float8[], $10::float8[], $11::float8[], $12::float8[],
                     $13::timestamptz[], $14::text[])
           AS u(symbol, patch, bid, ask, spread, last_price, daily_open, daily_high, daily_low,
                daily_close, daily_volume, provider_ts, source)
     ),
     merged AS (
       UPDATE trading.symbols AS s
          SET updated_at = now(),
              metadata = COALESCE(s.metadata, '{}'::jsonb) || i.patch::jsonb
         FROM input AS i
        WHERE s.symbol = i.symbol
       RETURNING s.id, i.bid, i.ask, i.spread, i.last_price, i.daily_open, i.daily_high, i.daily_low,
                 i.daily_close, i.daily_volume, i.provider_ts, i.source
     ),
     history AS (
       INSERT INTO trading.price_snapshots
              (symbol_id, bid, ask, spread, last_price, daily_open, daily_high, daily_low, daily_close,
               daily_volume, provider_ts, source)
       SELECT id, bid, ask, spread, last_price, daily_open, daily_high, daily_low, daily_close,
              daily_volume, provider_ts, source
         FROM merged
     )
     INSERT INTO data_sources.data_sync_status
            (ticker_id, provider_id, last_sync_timestamp, sync_status, error_message, updated_at,
             last_success_at)
     SELECT m.id,
            (SELECT id FROM data_sources.api_providers WHERE code = $1 LIMIT 1),
            now(), 'success', NULL, now(), now()
       FROM merged AS m
     ${SYNC_STATUS_ON_CONFLICT}`,
    [providerCode, ...snapshotColumns(snapshots)],
  );
}

/**
 * The snapshots as one array per column, in the order of the statement's unnest: symbol, metadata
 * patch, bid, ask, spread, last price, daily open/high/low/close/volume, provider time, source.
 */
export function snapshotColumns(snapshots: readonly AssetSnapshot[]): unknown[][] {
  return [
    snapshots.map((s) => s.symbol),
    snapshots.map((s) => JSON.stringify(toMetadataPatch(s))),
    snapshots.map((s) => s.bid),
    snapshots.map((s) => s.ask),
    snapshots.map((s) => s.spread),
    snapshots.map((s) => s.lastPrice),
    snapshots.map((s) => s.dailyOpen),
    snapshots.map((s) => s.dailyHigh),
    snapshots.map((s) => s.dailyLow),
    snapshots.map((s) => s.dailyClose),
    snapshots.map((s) => s.dailyVolume),
    // ISO-8601 UTC with milliseconds: the instant exactly, whatever the session's time zone.
    snapshots.map((s) => s.timestamp.toISOString()),
    snapshots.map((s) => s.source),
  ];
}
