import type { Queryable } from "../transaction.js";

/**
 * Deletes up to `limit` rows of `trading.price_snapshots` whose provider time is before `cutoff`,
 * in one statement, and returns how many it deleted. A symbol's latest row is never deleted,
 * however old: it is the symbol's current price (loadAssetStates reads it), and a quiet symbol
 * must not lose its price to retention. Each symbol's old rows are one range of
 * price_snapshots_symbol_time_idx, so the statement reads only what it deletes.
 */
export async function pruneHistoryChunk(db: Queryable, cutoff: Date, limit: number): Promise<number> {
  const { rowCount } = await db.query(
    `DELETE FROM trading.price_snapshots
      WHERE id = ANY (ARRAY(
              SELECT old.id
                FROM trading.symbols AS s
               CROSS JOIN LATERAL (
                       SELECT l.id
                         FROM trading.price_snapshots AS l
                        WHERE l.symbol_id = s.id
                        ORDER BY l.provider_ts DESC, l.id DESC
                        LIMIT 1
                     ) AS latest
               CROSS JOIN LATERAL (
                       SELECT p.id
                         FROM trading.price_snapshots AS p
                        WHERE p.symbol_id = s.id
                          AND p.provider_ts < $1::timestamptz
                          AND p.id <> latest.id
                        LIMIT $2
                     ) AS old
               LIMIT $2))`,
    [cutoff.toISOString(), limit],
  );
  return rowCount ?? 0;
}
