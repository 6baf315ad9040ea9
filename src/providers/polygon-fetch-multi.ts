/**
 * Mode `multi`: one v2 multi-ticker snapshot per asset class,
 * `/v2/snapshot/locale/global/markets/{forex|crypto}/tickers?tickers=A,B` (reference/polygon-api.md
 * §2, §3.4). A ticker the answer leaves out is unknown to the provider: not_found.
 */
import type { AssetRef, AssetType } from "../models/batch.js";
import { ProviderError } from "../models/errors.js";
import type { FetchOptions, SnapshotOutcome } from "../services/ports.js";
import { tickerLabel } from "./polygon-errors.js";
import type { PolygonHttp } from "./polygon-http.js";
import {
  chunks,
  failed,
  failsEveryCall,
  parsed,
  tickerListQueryValue,
  uniqueTickers,
} from "./polygon-outcomes.js";
import { type JsonObject, snapshotFromTickerItem, tickerItemsOfMultiSnapshot } from "./polygon-parse.js";

/**
 * Tickers per call. The provider sets no limit (only URL length does, §2); this keeps URLs
 * under ~4 KB, so the spec's catalog is always one call per class.
 */
export const MAX_MULTI_TICKERS = 250;

const SNAPSHOT_PATH_PREFIX = "/v2/snapshot/locale/global/markets";

/** `/v2/snapshot/locale/global/markets/{class}/tickers?tickers=A,B` (comma-joined, §2). */
export function multiSnapshotPath(assetType: AssetType, tickers: readonly string[]): string {
  return `${SNAPSHOT_PATH_PREFIX}/${assetType}/tickers?tickers=${tickerListQueryValue(tickers)}`;
}

export async function fetchMulti(
  http: PolygonHttp,
  assets: readonly AssetRef[],
  options: FetchOptions,
): Promise<SnapshotOutcome[]> {
  const outcomes = new Map<AssetRef, SnapshotOutcome>();
  // Calls go in the order the asset classes first appear.
  const classes = [...new Set(assets.map((asset) => asset.assetType))];
  let everyCallFails: ProviderError | undefined;
  for (const assetType of classes) {
    const ofClass = assets.filter((asset) => asset.assetType === assetType);
    for (const tickers of chunks(uniqueTickers(ofClass), MAX_MULTI_TICKERS)) {
      const wanted = ofClass.filter((asset) => tickers.includes(asset.polygonTicker));
      if (everyCallFails) {
        for (const asset of wanted) outcomes.set(asset, failed(asset, everyCallFails));
        continue;
      }
      const result = await http.getJson(
        multiSnapshotPath(assetType, tickers),
        { tickers, mode: "multi" },
        options,
      );
      if (!result.ok) {
        if (failsEveryCall(result.error)) everyCallFails = result.error;
        for (const asset of wanted) outcomes.set(asset, failed(asset, result.error));
        continue;
      }
      let items: Map<string, JsonObject>;
      try {
        items = tickerItemsOfMultiSnapshot(result.body, tickerLabel(tickers));
      } catch (error) {
        if (!(error instanceof ProviderError)) throw error;
        for (const asset of wanted) outcomes.set(asset, failed(asset, error));
        continue;
      }
      for (const asset of wanted) {
        const item = items.get(asset.polygonTicker);
        outcomes.set(
          asset,
          item ? parsed(asset, () => snapshotFromTickerItem(item, asset)) : failed(asset, leftOut(asset)),
        );
      }
    }
  }
  return assets.map((asset) => outcomes.get(asset) ?? failed(asset, leftOut(asset)));
}

/** The live API drops unknown tickers from a multi-ticker answer (§5). */
function leftOut(asset: AssetRef): ProviderError {
  return new ProviderError(
    "not_found",
    `Polygon does not know ticker ${asset.polygonTicker} (not in the ${asset.assetType} multi-ticker snapshot)`,
  );
}
