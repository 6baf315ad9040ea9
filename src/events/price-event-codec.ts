import type { AssetSnapshot } from "../models/batch.js";
import { type PriceUpdateEvent, toPriceUpdateEvent } from "../models/price-event.js";

/** The Redis message body: the spec's JSON, keys in the spec's order. */
export function encodePriceUpdate(snapshot: AssetSnapshot): string {
  return JSON.stringify(toPriceUpdateEvent(snapshot));
}

/**
 * Parses a message from `asset:update:*`. Any process may publish there (the spec's Python
 * service too), so the body is checked field by field; null when it is not a price update.
 */
export function decodePriceUpdate(message: string): PriceUpdateEvent | null {
  let body: unknown;
  try {
    body = JSON.parse(message);
  } catch {
    return null;
  }
  if (!isRecord(body) || body.type !== "price_update" || typeof body.symbol !== "string") return null;
  const data = body.data;
  if (!isRecord(data)) return null;
  const { bid, ask, spread, last_price, timestamp } = data;
  if (
    !isFiniteNumber(bid) ||
    !isFiniteNumber(ask) ||
    !isFiniteNumber(spread) ||
    !isFiniteNumber(last_price)
  ) {
    return null;
  }
  if (typeof timestamp !== "string" || Number.isNaN(Date.parse(timestamp))) return null;
  return { type: "price_update", symbol: body.symbol, data: { bid, ask, spread, last_price, timestamp } };
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

function isFiniteNumber(value: unknown): value is number {
  return typeof value === "number" && Number.isFinite(value);
}
