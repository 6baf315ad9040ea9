/**
 * Response bodies exactly as the live API writes them (reference/polygon-api.md §3 and §5).
 * Bodies are JSON text, because `updated` is a nanosecond integer that a JS number cannot hold.
 */
import { randomBytes } from "node:crypto";
import type { Bar, MarketTick } from "./market.js";
import { round } from "./market.js";

/** A response ready to write: status and JSON body text. */
export interface SandboxResponse {
  status: number;
  body: string;
}

export const RATE_LIMITED_TEXT =
  "You've exceeded the maximum requests per minute, please wait or upgrade your subscription to continue. https://massive.com/pricing";
export const NOT_ENTITLED_TEXT =
  "You are not entitled to this data. Please upgrade your plan at https://massive.com/pricing";
export const MISSING_KEY_TEXT = "API Key was not provided";
export const UNKNOWN_KEY_TEXT = "Unknown API Key";
export const TICKER_NOT_FOUND_TEXT = "Ticker not found.";
export const PATH_NOT_FOUND_TEXT = "Not found.";

/** 32 hex characters, like the live `request_id`. */
export function newRequestId(): string {
  return randomBytes(16).toString("hex");
}

/** `status: "ERROR"` bodies carry their text in `error`. */
export function errorResponse(status: number, requestId: string, error: string): SandboxResponse {
  return { status, body: JSON.stringify({ status: "ERROR", request_id: requestId, error }) };
}

/** `NOT_AUTHORIZED` / `NOT_FOUND` bodies carry their text in `message`. */
export function messageResponse(
  status: number,
  statusText: "NOT_AUTHORIZED" | "NOT_FOUND",
  requestId: string,
  message: string,
): SandboxResponse {
  return { status, body: JSON.stringify({ status: statusText, request_id: requestId, message }) };
}

/** v2 single-ticker snapshot (§3.2 forex, §3.3 crypto). */
export function singleSnapshotResponse(tick: MarketTick, requestId: string): SandboxResponse {
  return {
    status: 200,
    body: `{"status":"OK","request_id":${JSON.stringify(requestId)},"ticker":${tickerItemJson(tick)}}`,
  };
}

/** One v2 ticker item; `updated` in ns, quote and trade `t` in ms, as live (§4). */
function tickerItemJson(tick: MarketTick): string {
  const { instrument, day, prevDay, minute } = tick;
  const change = tick.price - prevDay.c;
  const isCrypto = instrument.assetClass === "crypto";
  const fields = {
    ticker: instrument.ticker,
    todaysChange: round(change, instrument.decimals),
    todaysChangePerc: round((change / prevDay.c) * 100, 4),
    // The forex schema has no `vw` on `day` and `min`; crypto has it everywhere.
    day: isCrypto ? { ...day, vw: typicalPrice(day, instrument.decimals) } : day,
    min: isCrypto ? { ...minute, vw: typicalPrice(minute, instrument.decimals) } : minute,
    prevDay: { ...prevDay, vw: typicalPrice(prevDay, instrument.decimals) },
    ...(isCrypto
      ? { lastTrade: { c: [1], i: String(tick.tradeId), p: tick.price, s: tick.size, t: tick.at, x: 1 } }
      : { lastQuote: { a: tick.ask, b: tick.bid, t: tick.at, x: 48 } }),
  };
  // Splices the ns integer in as digits: `${ms}000000` is exact, a number ≥ 2^53 would not be.
  return `{"updated":${Math.floor(tick.at)}000000,${JSON.stringify(fields).slice(1)}`;
}

/** Stands in for a volume-weighted price, which the simulation does not track. */
function typicalPrice(bar: Bar, decimals: number): number {
  return round((bar.h + bar.l + bar.c) / 3, decimals);
}
