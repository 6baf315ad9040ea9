/**
 * Parses the previous-day bar (`/v2/aggs/ticker/{T}/prev`, reference/polygon-api.md §3.7), the
 * only price the free plan can read. The bar's close stands for bid, ask and last price (spread
 * 0), its time `t` (ms) is the snapshot time, and its o/h/l/c/v are the daily values.
 */
import type { AssetRef, AssetSnapshot } from "../models/batch.js";
import { ProviderError } from "../models/errors.js";
import { buildSnapshot, invalid, isObject } from "./polygon-parse.js";

export function parsePrevBar(body: unknown, asset: AssetRef): AssetSnapshot {
  if (!isObject(body)) throw invalid(asset, "response body is not a JSON object");
  const results = body.results ?? [];
  if (!Array.isArray(results)) throw invalid(asset, "response results is not an array");
  const bar = results.find((candidate) => isObject(candidate));
  // Aggregates answer an unknown ticker with 200 and no bar (resultsCount 0).
  if (!isObject(bar)) {
    return notFound(asset, body.resultsCount);
  }
  if (typeof bar.T === "string" && bar.T !== asset.polygonTicker) {
    throw invalid(asset, `response is for ticker ${bar.T}`);
  }
  if (!(typeof bar.t === "number" && Number.isFinite(bar.t) && bar.t > 0)) {
    throw invalid(asset, `previous-day bar has no time t: ${String(bar.t)}`);
  }
  return buildSnapshot(asset, {
    trade: { price: bar.c, field: "results[0].c" },
    day: { open: bar.o, high: bar.h, low: bar.l, close: bar.c, volume: bar.v },
    eventTimes: [bar.t],
  });
}

function notFound(asset: AssetRef, resultsCount: unknown): never {
  throw new ProviderError(
    "not_found",
    `Polygon has no previous-day bar for ticker ${asset.polygonTicker} (resultsCount ${String(resultsCount ?? 0)})`,
  );
}
