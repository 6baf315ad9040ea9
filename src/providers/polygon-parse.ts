/**
 * Turns Polygon (Massive) v2 snapshot bodies into validated AssetSnapshots (reference/polygon-api.md
 * §3–4), and holds the validation every body shape shares. Parsing is lenient about shape (every
 * field optional, unknown fields ignored) and strict about prices: a snapshot that could write a
 * wrong price is rejected with the reason.
 */
import type { AssetRef, AssetSnapshot } from "../models/batch.js";
import { ProviderError } from "../models/errors.js";

export const POLYGON_SOURCE = "polygon";

export type JsonObject = Record<string, unknown>;

/** The price evidence of one body shape, before validation. */
export interface PriceReading {
  /** Bid and ask, if the body has a quote. Field names are for messages, e.g. `lastQuote.b`. */
  quote?: { bid: unknown; ask: unknown; bidField: string; askField: string };
  /** Last trade price, if the body has a trade. */
  trade?: { price: unknown; field: string };
  /** Day bar: open, high, low, close, volume. Zero or absent values mean "no data yet". */
  day?: { open: unknown; high: unknown; low: unknown; close: unknown; volume: unknown };
  /** Provider times (any unit) of the quote and trade; the newest wins. */
  eventTimes: readonly unknown[];
  /** Used only when no quote or trade time is present. */
  fallbackTime?: unknown;
}

const NS_ROUNDING_TOLERANCE_MS = 0.001;

/**
 * Epoch milliseconds of a Polygon timestamp whose unit is only known by its size: the same field
 * arrives in ns live and in ms in the docs (§4).
 */
export function epochMsFromProviderTime(value: number): number {
  // A 19-digit ns value is past 2^53: as a JSON number it may be a few hundred ns short of what
  // was sent (…730000000 → …729999872), so allow 1 µs before flooring to the millisecond.
  if (value >= 1e17) return Math.floor(value / 1e6 + NS_ROUNDING_TOLERANCE_MS);
  if (value >= 1e14) return Math.floor(value / 1e3);
  if (value >= 1e11) return Math.floor(value);
  return Math.floor(value * 1e3);
}

/** Parses a v2 single-ticker snapshot body (`{ status, request_id, ticker: {…} }`). */
export function parseSingleSnapshot(body: unknown, asset: AssetRef): AssetSnapshot {
  if (!isObject(body)) throw invalid(asset, "response body is not a JSON object");
  if (!isObject(body.ticker)) throw invalid(asset, "response has no ticker object");
  return snapshotFromTickerItem(body.ticker, asset);
}

/**
 * The items of a v2 multi-ticker snapshot body (`{ status, tickers: [...] }`) by ticker. Throws
 * (with `label` naming the request) when the body has no `tickers` array; items without a
 * ticker are ignored.
 */
export function tickerItemsOfMultiSnapshot(body: unknown, label: string): Map<string, JsonObject> {
  if (!isObject(body)) throw invalidFor(label, "response body is not a JSON object");
  // An OK answer for tickers that match nothing may leave `tickers` out (§5): that is "none".
  if ((body.tickers === undefined || body.tickers === null) && body.status === "OK") return new Map();
  if (!Array.isArray(body.tickers)) throw invalidFor(label, "response has no tickers array");
  const items = new Map<string, JsonObject>();
  for (const item of body.tickers) {
    if (isObject(item) && typeof item.ticker === "string") items.set(item.ticker, item);
  }
  return items;
}

/**
 * Parses one v2 ticker item, the shape shared by the single and multi-ticker snapshots. Forex
 * items carry `lastQuote`, crypto items `lastTrade`; either may appear, so both are read.
 */
export function snapshotFromTickerItem(item: JsonObject, asset: AssetRef): AssetSnapshot {
  if (typeof item.ticker === "string" && item.ticker !== asset.polygonTicker) {
    throw invalid(asset, `response is for ticker ${item.ticker}`);
  }
  const quote = optionalObject(item.lastQuote);
  const trade = optionalObject(item.lastTrade);
  const day = optionalObject(item.day);
  if (!quote && !trade) throw invalid(asset, "response has neither lastQuote nor lastTrade");
  return buildSnapshot(asset, {
    quote: quote && { bid: quote.b, ask: quote.a, bidField: "lastQuote.b", askField: "lastQuote.a" },
    trade: trade && { price: trade.p, field: "lastTrade.p" },
    day: day && { open: day.o, high: day.h, low: day.l, close: day.c, volume: day.v },
    eventTimes: [quote?.t, trade?.t],
    fallbackTime: item.updated,
  });
}

/**
 * Validates a reading and builds the snapshot. With a quote, bid and ask are its sides; with
 * only a trade (crypto has no quote), the trade price stands for both sides. The last price is
 * the trade price, or the quote midpoint for forex, which has no trades.
 */
export function buildSnapshot(asset: AssetRef, reading: PriceReading): AssetSnapshot {
  const tradePrice = reading.trade
    ? requirePrice(asset, reading.trade.price, reading.trade.field)
    : undefined;
  let bid: number;
  let ask: number;
  if (reading.quote) {
    bid = requirePrice(asset, reading.quote.bid, reading.quote.bidField);
    ask = requirePrice(asset, reading.quote.ask, reading.quote.askField);
    if (bid > ask) throw invalid(asset, `crossed quote: bid ${bid} > ask ${ask}`);
  } else if (tradePrice !== undefined) {
    bid = tradePrice;
    ask = tradePrice;
  } else {
    throw invalid(asset, "response has neither a quote nor a trade");
  }
  const { day } = reading;
  return {
    symbol: asset.symbol,
    bid,
    ask,
    spread: withoutFloatNoise(ask - bid),
    lastPrice: tradePrice ?? withoutFloatNoise((bid + ask) / 2),
    dailyOpen: dailyValue(day?.open),
    dailyHigh: dailyValue(day?.high),
    dailyLow: dailyValue(day?.low),
    dailyClose: dailyValue(day?.close),
    dailyVolume: dailyValue(day?.volume),
    timestamp: new Date(snapshotTimeMs(asset, reading)),
    source: POLYGON_SOURCE,
  };
}

/** The newest quote or trade time; the fallback only when neither carries one. */
function snapshotTimeMs(asset: AssetRef, { eventTimes, fallbackTime }: PriceReading): number {
  const times = eventTimes.filter(isPositiveNumber).map(epochMsFromProviderTime);
  if (times.length > 0) return Math.max(...times);
  if (isPositiveNumber(fallbackTime)) return epochMsFromProviderTime(fallbackTime);
  throw invalid(asset, "response has no quote, trade or updated timestamp");
}

/**
 * Drops binary-float residue of arithmetic on quoted prices (1.08142 - 1.08136 gives
 * 5.999999999994898e-5); quotes never carry more than 10 decimals.
 */
function withoutFloatNoise(value: number): number {
  return Number(value.toFixed(10));
}

/** A price that must be a finite positive number; anything else rejects the snapshot. */
export function requirePrice(asset: AssetRef, value: unknown, field: string): number {
  if (value === undefined || value === null) throw invalid(asset, `missing price ${field}`);
  if (typeof value !== "number" || !Number.isFinite(value)) {
    throw invalid(asset, `price ${field} is not a finite number: ${String(value)}`);
  }
  if (value <= 0) throw invalid(asset, `non-positive price ${field}: ${value}`);
  return value;
}

/** Day-bar values are zero or absent just after the daily reset (§7): that means "no data yet". */
function dailyValue(value: unknown): number | null {
  return typeof value === "number" && Number.isFinite(value) && value > 0 ? value : null;
}

/** A rejection of `asset`'s data: invalid_response, message prefixed with its ticker. */
export function invalid(asset: AssetRef, reason: string): ProviderError {
  return invalidFor(asset.polygonTicker, reason);
}

/** A rejection of a whole response; `label` names what was asked for. */
export function invalidFor(label: string, reason: string): ProviderError {
  return new ProviderError("invalid_response", `${label}: ${reason}`);
}

export function isObject(value: unknown): value is JsonObject {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

export function optionalObject(value: unknown): JsonObject | undefined {
  return isObject(value) ? value : undefined;
}

function isPositiveNumber(value: unknown): value is number {
  return typeof value === "number" && Number.isFinite(value) && value > 0;
}
