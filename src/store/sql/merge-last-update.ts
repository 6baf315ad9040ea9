import type { AssetSnapshot } from "../../models/batch.js";
import { toMetadataPatch } from "../last-update.js";
import type { Queryable } from "../transaction.js";

/**
 * ET-DATA-001 §3.5 `_update_database` for many symbols in one statement: merges
 * `{"last_update": …}` into each symbol's metadata. Unknown symbols are skipped, as in the spec.
 * Symbols must be distinct (an UPDATE … FROM applies only one input row per target row).
 */
export async function mergeLastUpdate(db: Queryable, snapshots: readonly AssetSnapshot[]): Promise<void> {
  await db.query(
    `UPDATE trading.symbols AS s
        SET updated_at = now(),
            metadata = COALESCE(s.metadata, '{}'::jsonb) || u.patch::jsonb
       FROM unnest($1::text[], $2::text[]) AS u(symbol, patch)
      WHERE s.symbol = u.symbol`,
    [snapshots.map((snapshot) => snapshot.symbol), snapshots.map((s) => JSON.stringify(toMetadataPatch(s)))],
  );
}
