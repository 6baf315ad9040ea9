/**
 * Modes with one GET per asset, in order: `single` (v2 single-ticker snapshot, as the spec's
 * poller) and `prev` (the previous-day bar, all the free plan can read).
 */
import type { AssetRef, AssetSnapshot } from "../models/batch.js";
import type { FetchOptions, SnapshotOutcome } from "../services/ports.js";
import type { PolygonHttp } from "./polygon-http.js";
import { failed, failsEveryCall, parsed, tickerPathSegment } from "./polygon-outcomes.js";
import { parseSingleSnapshot } from "./polygon-parse.js";
import { parsePrevBar } from "./polygon-parse-prev.js";

const SNAPSHOT_PATH_PREFIX = "/v2/snapshot/locale/global/markets";

/** `/v2/snapshot/locale/global/markets/{forex|crypto}/tickers/{ticker}`. */
export function singleSnapshotPath(asset: AssetRef): string {
  return `${SNAPSHOT_PATH_PREFIX}/${asset.assetType}/tickers/${tickerPathSegment(asset.polygonTicker)}`;
}

/** `/v2/aggs/ticker/{ticker}/prev`. */
export function prevBarPath(asset: AssetRef): string {
  return `/v2/aggs/ticker/${tickerPathSegment(asset.polygonTicker)}/prev`;
}

interface EachMode {
  mode: "single" | "prev";
  path(asset: AssetRef): string;
  parse(body: unknown, asset: AssetRef): AssetSnapshot;
}

const MODES: Record<EachMode["mode"], EachMode> = {
  single: { mode: "single", path: singleSnapshotPath, parse: parseSingleSnapshot },
  prev: { mode: "prev", path: prevBarPath, parse: parsePrevBar },
};

/** One budgeted GET per asset. After a 401 or 403 the remaining assets get that error, uncalled. */
export async function fetchEach(
  http: PolygonHttp,
  mode: EachMode["mode"],
  assets: readonly AssetRef[],
  options: FetchOptions,
): Promise<SnapshotOutcome[]> {
  const { path, parse } = MODES[mode];
  const outcomes: SnapshotOutcome[] = [];
  for (const asset of assets) {
    const previous = outcomes.at(-1);
    if (previous && !previous.ok && failsEveryCall(previous.error)) {
      outcomes.push(failed(asset, previous.error));
      continue;
    }
    const result = await http.getJson(path(asset), { tickers: [asset.polygonTicker], mode }, options);
    outcomes.push(result.ok ? parsed(asset, () => parse(result.body, asset)) : failed(asset, result.error));
  }
  return outcomes;
}
