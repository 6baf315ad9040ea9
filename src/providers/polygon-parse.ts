/**
 * Turns Polygon (Massive) snapshot bodies into validated AssetSnapshots (reference/polygon-api.md
 * §3–4). Parsing is lenient about shape (every field optional, unknown fields ignored) and strict
 * about prices: a snapshot that could write a wrong price is rejected with the reason.
 */
import type { AssetRef, AssetSnapshot } from "../models/batch.js";
import { ProviderError } from "../models/errors.js";

export const POLYGON_SOURCE = "polygon";

type JsonObject = Record<string, unknown>;

/**
 * Epoch milliseconds of a Polygon timestamp whose unit is only known by its size: the same field
 * arrives in ns live and in ms in the docs (§4).
 */
export function epochMsFromProviderTime(value: number): number {
  if (value >= 1e17) return Math.floor(value / 1e6);
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
 * Parses one v2 ticker item, the shape shared by the single and multi-ticker snapshots. Forex
 * items carry `lastQuote`, crypto items `lastTrade`; either may appear, so both are read.
 */
export function snapshotFromTickerItem(item: JsonObject, asset: AssetRef): AssetSnapshot {
  if (typeof item.ticker === "string" && item.ticker !== asset.polygonTicker) {
    throw invalid(asset, `response is for ticker ${item.ticker}`);
  }
  const quote = optionalObject(item.lastQuote);
  const trade = optionalObject(item.lastTrade);
  const tradePrice = trade ? requirePrice(asset, trade.p, "lastTrade.p") : undefined;
  // The v2 crypto snapshot has no quote: then the last trade stands for both sides.
  const tradeSides = tradePrice === undefined ? undefined : { bid: tradePrice, ask: tradePrice };
  const sides = quote ? quoteSides(asset, quote) : tradeSides;
  if (!sides) throw invalid(asset, "response has neither lastQuote nor lastTrade");
  const { bid, ask } = sides;
  // Forex has no trades, so its last price is the quote midpoint.
  const lastPrice = tradePrice ?? withoutFloatNoise((bid + ask) / 2);

  const day = optionalObject(item.day);
  return {
    symbol: asset.symbol,
    bid,
    ask,
    spread: withoutFloatNoise(ask - bid),
    lastPrice,
    dailyOpen: dailyValue(day?.o),
    dailyHigh: dailyValue(day?.h),
    dailyLow: dailyValue(day?.l),
    dailyClose: dailyValue(day?.c),
    dailyVolume: dailyValue(day?.v),
    timestamp: new Date(snapshotTimeMs(asset, item, quote, trade)),
    source: POLYGON_SOURCE,
  };
}

function quoteSides(asset: AssetRef, quote: JsonObject): { bid: number; ask: number } {
  const bid = requirePrice(asset, quote.b, "lastQuote.b");
  const ask = requirePrice(asset, quote.a, "lastQuote.a");
  if (bid > ask) throw invalid(asset, `crossed quote: bid ${bid} > ask ${ask}`);
  return { bid, ask };
}

/**
 * Drops binary-float residue of arithmetic on quoted prices (1.08142 - 1.08136 gives
 * 5.999999999994898e-5); quotes never carry more than 10 decimals.
 */
function withoutFloatNoise(value: number): number {
  return Number(value.toFixed(10));
}

/** A price that must be a finite positive number; anything else rejects the snapshot. */
function requirePrice(asset: AssetRef, value: unknown, field: string): number {
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

/** The newest quote or trade time; `updated` only when neither carries one. */
function snapshotTimeMs(
  asset: AssetRef,
  item: JsonObject,
  quote: JsonObject | undefined,
  trade: JsonObject | undefined,
): number {
  const eventTimes = [quote?.t, trade?.t].filter(isPositiveNumber).map(epochMsFromProviderTime);
  if (eventTimes.length > 0) return Math.max(...eventTimes);
  if (isPositiveNumber(item.updated)) return epochMsFromProviderTime(item.updated);
  throw invalid(asset, "response has no quote, trade or updated timestamp");
}

function invalid(asset: AssetRef, reason: string): ProviderError {
  return new ProviderError("invalid_response", `${asset.polygonTicker}: ${reason}`);
}

function isObject(value: unknown): value is JsonObject {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

function optionalObject(value: unknown): JsonObject | undefined {
  return isObject(value) ? value : undefined;
}

function isPositiveNumber(value: unknown): value is number {
  return typeof value === "number" && Number.isFinite(value) && value > 0;
}
