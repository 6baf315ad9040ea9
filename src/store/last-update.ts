import type { AssetSnapshot } from "../models/batch.js";

/** `trading.symbols.metadata->'last_update'`, field for field as ET-DATA-001 §3.5 writes it. */
export interface LastUpdate {
  bid: number;
  ask: number;
  spread: number;
  last_price: number;
  daily_open: number | null;
  daily_high: number | null;
  daily_low: number | null;
  daily_close: number | null;
  /** ISO-8601. */
  timestamp: string;
  source: string;
}

/** The object merged into `metadata` with `||` (daily volume is not stored, as in the spec). */
export function toMetadataPatch(snapshot: AssetSnapshot): { last_update: LastUpdate } {
  return {
    last_update: {
      bid: snapshot.bid,
      ask: snapshot.ask,
      spread: snapshot.spread,
      last_price: snapshot.lastPrice,
      daily_open: snapshot.dailyOpen,
      daily_high: snapshot.dailyHigh,
      daily_low: snapshot.dailyLow,
      daily_close: snapshot.dailyClose,
      timestamp: snapshot.timestamp.toISOString(),
      source: snapshot.source,
    },
  };
}

/**
 * Reads a stored `last_update` back into a snapshot. Other writers share the table (the spec's
 * Python service among them), so anything without the required prices and a parseable time is
 * treated as no price at all rather than trusted.
 */
export function fromLastUpdate(symbol: string, value: unknown): AssetSnapshot | null {
  if (typeof value !== "object" || value === null) return null;
  const record = value as Record<string, unknown>;
  const bid = record.bid;
  const ask = record.ask;
  const lastPrice = record.last_price;
  const time = typeof record.timestamp === "string" ? new Date(record.timestamp) : null;
  if (!isNumber(bid) || !isNumber(ask) || !isNumber(lastPrice) || !time || Number.isNaN(time.getTime())) {
    return null;
  }
  return {
    symbol,
    bid,
    ask,
    spread: isNumber(record.spread) ? record.spread : ask - bid,
    lastPrice,
    dailyOpen: numberOrNull(record.daily_open),
    dailyHigh: numberOrNull(record.daily_high),
    dailyLow: numberOrNull(record.daily_low),
    dailyClose: numberOrNull(record.daily_close),
    dailyVolume: null,
    timestamp: time,
    source: typeof record.source === "string" ? record.source : "unknown",
  };
}

function isNumber(value: unknown): value is number {
  return typeof value === "number" && Number.isFinite(value);
}

function numberOrNull(value: unknown): number | null {
  return isNumber(value) ? value : null;
}
