/**
 * Parses `/v3/snapshot` (universal snapshot) pages (reference/polygon-api.md §3.5): results by
 * ticker, the `next_url` cursor, and one AssetSnapshot per item. Fx items carry `last_quote`,
 * crypto items `last_trade`; every time in v3 is in nanoseconds (read by magnitude anyway).
 */

import type { FetchMode } from "../config/settings.js";
import type { AssetRef, AssetSnapshot } from "../models/batch.js";
import { providerErrorFromItem } from "./polygon-errors.js";
import {
  buildSnapshot,
  invalid,
  invalidFor,
  isObject,
  type JsonObject,
  optionalObject,
} from "./polygon-parse.js";

/** One page of a universal snapshot answer. */
export interface UniversalPage {
  /** Result items by ticker, per-item errors included. */
  items: Map<string, JsonObject>;
  /** The next page's URL as the provider wrote it (without the key), if there is one. */
  nextUrl: string | undefined;
}

/** The v3 `type` of each of our asset classes (note `fx`, not `forex`). */
const V3_TYPE = { forex: "fx", crypto: "crypto" } as const;

/** Reads one page; throws invalid_response (naming `label`) when it has no results array. */
export function parseUniversalPage(body: unknown, label: string): UniversalPage {
  if (!isObject(body)) throw invalidFor(label, "response body is not a JSON object");
  const nextUrl = typeof body.next_url === "string" && body.next_url !== "" ? body.next_url : undefined;
  if ((body.results === undefined || body.results === null) && body.status === "OK") {
    return { items: new Map(), nextUrl };
  }
  if (!Array.isArray(body.results)) throw invalidFor(label, "response has no results array");
  const items = new Map<string, JsonObject>();
  for (const item of body.results) {
    if (isObject(item) && typeof item.ticker === "string") items.set(item.ticker, item);
  }
  return { items, nextUrl };
}

/**
 * The snapshot of one result item. A per-item error (`{ ticker, error: "NOT_FOUND", message }`)
 * becomes the matching provider error: not_found, not_entitled, or invalid_response.
 */
export function snapshotFromUniversalItem(item: JsonObject, asset: AssetRef, mode: FetchMode): AssetSnapshot {
  if (typeof item.error === "string") {
    const text = typeof item.message === "string" ? item.message : undefined;
    throw providerErrorFromItem(item.error, text, asset.polygonTicker, mode);
  }
  if (typeof item.ticker === "string" && item.ticker !== asset.polygonTicker) {
    throw invalid(asset, `response is for ticker ${item.ticker}`);
  }
  const expectedType = V3_TYPE[asset.assetType];
  if (item.type !== undefined && item.type !== expectedType) {
    throw invalid(asset, `result is of type ${String(item.type)}, expected ${expectedType}`);
  }
  const quote = optionalObject(item.last_quote);
  const trade = optionalObject(item.last_trade);
  const session = optionalObject(item.session);
  if (!quote && !trade) throw invalid(asset, "result has neither last_quote nor last_trade");
  return buildSnapshot(asset, {
    quote: quote && {
      bid: quote.bid,
      ask: quote.ask,
      bidField: "last_quote.bid",
      askField: "last_quote.ask",
    },
    trade: trade && { price: trade.price, field: "last_trade.price" },
    day: session && {
      open: session.open,
      high: session.high,
      low: session.low,
      close: session.close,
      volume: session.volume,
    },
    eventTimes: [
      quote?.last_updated,
      trade?.last_updated,
      trade?.participant_timestamp,
      trade?.sip_timestamp,
    ],
    fallbackTime: item.last_updated,
  });
}
