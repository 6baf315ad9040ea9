/**
 * The baseline of bench:ingest: the least a writer must do to land the same prices. ONE
 * autocommit statement: `UPDATE trading.symbols … FROM unnest(…)` merging the same
 * `{"last_update": …}` patches into metadata with `||` (and touching updated_at), whose RETURNING
 * feeds `INSERT INTO trading.price_snapshots` of the same rows. No sync status, no IN_PROGRESS
 * mark, no events, no de-duplication.
 */
import type pg from "pg";
import type { AssetSnapshot } from "../../src/models/batch.js";
import { snapshotColumns } from "../../src/store/sql/save-snapshots.js";

export async function rawUpsert(pool: pg.Pool, snapshots: readonly AssetSnapshot[]): Promise<void> {
  await pool.query(
    `WITH merged AS (
       UPDATE trading.symbols AS s
          SET updated_at = now(),
              metadata = COALESCE(s.metadata, '{}'::jsonb) || i.patch::jsonb
         FROM unnest($1::text[], $2::text[], $3::float8[], $4::float8[], $5::float8[], $6::float8[],
                     $7::float8[], $8::float8[], $9::float8[], $10::float8[], $11::float8[],
                     $12::timestamptz[], $13::text[])
           AS i(symbol, patch, bid, ask, spread, last_price, daily_open, daily_high, daily_low,
                daily_close, daily_volume, provider_ts, source)
        WHERE s.symbol = i.symbol
       RETURNING s.id, i.bid, i.ask, i.spread, i.last_price, i.daily_open, i.daily_high, i.daily_low,
                 i.daily_close, i.daily_volume, i.provider_ts, i.source
     )
     INSERT INTO trading.price_snapshots
            (symbol_id, bid, ask, spread, last_price, daily_open, daily_high, daily_low, daily_close,
             daily_volume, provider_ts, source)
     SELECT id, bid, ask, spread, last_price, daily_open, daily_high, daily_low, daily_close,
            daily_volume, provider_ts, source
       FROM merged`,
    snapshotColumns(snapshots),
  );
}
