import type { AssetDefinition } from "../../models/batch.js";
import type { Queryable } from "../transaction.js";

/**
 * Inserts or refreshes catalog rows from configuration (built-in catalog or ASSETS_FILE) in one
 * statement. Leaves `is_active` and `metadata` alone: operators may deactivate a symbol in the
 * database, and the latest price must survive a restart.
 */
export async function upsertCatalog(db: Queryable, assets: readonly AssetDefinition[]): Promise<void> {
  await db.query(
    `INSERT INTO trading.symbols
            (symbol, name, asset_type, base_asset, quote_asset, price_precision, polygon_ticker, priority)
     SELECT * FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::text[],
                          $6::integer[], $7::text[], $8::integer[])
     ON CONFLICT (symbol) DO UPDATE
        SET name = EXCLUDED.name,
            asset_type = EXCLUDED.asset_type,
            base_asset = EXCLUDED.base_asset,
            quote_asset = EXCLUDED.quote_asset,
            price_precision = EXCLUDED.price_precision,
            polygon_ticker = EXCLUDED.polygon_ticker,
            priority = EXCLUDED.priority,
            updated_at = now()`,
    [
      assets.map((asset) => asset.symbol),
      assets.map((asset) => asset.name),
      assets.map((asset) => asset.assetType),
      assets.map((asset) => asset.baseAsset),
      assets.map((asset) => asset.quoteAsset),
      assets.map((asset) => asset.pricePrecision),
      assets.map((asset) => asset.polygonTicker),
      assets.map((asset) => asset.priority),
    ],
  );
}
