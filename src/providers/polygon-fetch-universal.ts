/**
 * Mode `universal`: `/v3/snapshot?ticker.any_of=A,B&limit=250` covers forex and crypto in one
 * call (reference/polygon-api.md §2, §3.5). It follows `next_url` while requested tickers are
 * still unanswered; every page is a GET and spends a budget token.
 */
import type { AssetRef } from "../models/batch.js";
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
import type { JsonObject } from "./polygon-parse.js";
import { parseUniversalPage, snapshotFromUniversalItem } from "./polygon-parse-v3.js";

/** The provider's limit on `ticker.any_of` and on `limit` (§2). */
export const MAX_UNIVERSAL_TICKERS = 250;
/** Pages followed for one request before giving up on a cursor that never ends. */
export const MAX_UNIVERSAL_PAGES = 20;

/** `/v3/snapshot?ticker.any_of=A,B&limit=250`: with `limit` left out, pages hold only 10. */
export function universalSnapshotPath(tickers: readonly string[]): string {
  return `/v3/snapshot?ticker.any_of=${tickerListQueryValue(tickers)}&limit=${MAX_UNIVERSAL_TICKERS}`;
}

export async function fetchUniversal(
  http: PolygonHttp,
  assets: readonly AssetRef[],
  options: FetchOptions,
): Promise<SnapshotOutcome[]> {
  const items = new Map<string, JsonObject>();
  /** Why tickers that no page answered have no item: set when a request fails. */
  const unanswered = new Map<string, ProviderError>();
  for (const tickers of chunks(uniqueTickers(assets), MAX_UNIVERSAL_TICKERS)) {
    const fatal = [...unanswered.values()].find(failsEveryCall);
    const error = fatal ?? (await fetchPages(http, tickers, items, options));
    if (error) for (const ticker of tickers) if (!items.has(ticker)) unanswered.set(ticker, error);
  }
  return assets.map((asset) => {
    const item = items.get(asset.polygonTicker);
    if (item) return parsed(asset, () => snapshotFromUniversalItem(item, asset, "universal"));
    return failed(asset, unanswered.get(asset.polygonTicker) ?? leftOut(asset));
  });
}

/**
 * GETs the first page for `tickers` and follows `next_url` until every ticker is answered or
 * the cursor ends, adding result items to `items`. Resolves with the error that stopped it.
 */
async function fetchPages(
  http: PolygonHttp,
  tickers: readonly string[],
  items: Map<string, JsonObject>,
  options: FetchOptions,
): Promise<ProviderError | undefined> {
  const label = tickerLabel(tickers);
  const seen = new Set<string>();
  let target: string | undefined = universalSnapshotPath(tickers);
  for (let page = 1; target !== undefined; page += 1) {
    if (page > MAX_UNIVERSAL_PAGES || seen.has(target)) {
      return new ProviderError(
        "invalid_response",
        `${label}: /v3/snapshot pagination did not end after ${page - 1} pages`,
      );
    }
    seen.add(target);
    const result = await http.getJson(target, { tickers, mode: "universal" }, options);
    if (!result.ok) return result.error;
    let nextUrl: string | undefined;
    try {
      const parsedPage = parseUniversalPage(result.body, label);
      for (const [ticker, item] of parsedPage.items) if (tickers.includes(ticker)) items.set(ticker, item);
      nextUrl = parsedPage.nextUrl;
    } catch (error) {
      if (error instanceof ProviderError) return error;
      throw error;
    }
    // Pages past the last wanted ticker would only spend the budget.
    if (tickers.every((ticker) => items.has(ticker)) || nextUrl === undefined) return undefined;
    target = http.nextPage(nextUrl);
    if (target === undefined) {
      return new ProviderError("invalid_response", `${label}: next_url is not a URL`);
    }
  }
  return undefined;
}

/** The live API answers an unknown ticker with a per-item NOT_FOUND; a silent omission is the same. */
function leftOut(asset: AssetRef): ProviderError {
  return new ProviderError(
    "not_found",
    `Polygon does not know ticker ${asset.polygonTicker} (not in the /v3/snapshot answer)`,
  );
}
