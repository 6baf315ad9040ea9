/**
 * Response bodies exactly as the live API writes them (reference/polygon-api.md §3 and §5).
 * Bodies are JSON text, because nanosecond times are integers a JS number cannot hold: they are
 * written as markers and spliced in as digits.
 */
import { randomBytes } from "node:crypto";
import type { SandboxTick } from "./faults.js";
import type { Bar } from "./market.js";
import { round } from "./market.js";

/** A response ready to write. */
export interface SandboxResponse {
  status: number;
  body: string;
  /** Default `application/json`. */
  contentType?: string;
  headers?: Readonly<Record<string, string>>;
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

/** What nginx in front of the API answers when the backend fails: HTML, not JSON. */
export function gatewayErrorResponse(status: number, requestId: string): SandboxResponse {
  if (status === 500) return errorResponse(500, requestId, "Internal server error");
  const title = `${status} ${GATEWAY_TEXT[status] ?? "Server Error"}`;
  return {
    status,
    contentType: "text/html",
    body: `<html>\r\n<head><title>${title}</title></head>\r\n<body>\r\n<center><h1>${title}</h1></center>\r\n<hr><center>nginx</center>\r\n</body>\r\n</html>\r\n`,
  };
}

const GATEWAY_TEXT: Readonly<Record<number, string>> = {
  502: "Bad Gateway",
  503: "Service Temporarily Unavailable",
  504: "Gateway Time-out",
};

/** v2 single-ticker snapshot (§3.2 forex, §3.3 crypto). */
export function singleSnapshotResponse(tick: SandboxTick, requestId: string): SandboxResponse {
  return ok(`{"status":"OK","request_id":${JSON.stringify(requestId)},"ticker":${tickerItemJson(tick)}}`);
}

/** v2 multi-ticker snapshot (§3.4): only `status` and `tickers` in the schema, plus request_id. */
export function multiSnapshotResponse(ticks: readonly SandboxTick[], requestId: string): SandboxResponse {
  const items = ticks.map(tickerItemJson).join(",");
  return ok(`{"status":"OK","request_id":${JSON.stringify(requestId)},"tickers":[${items}]}`);
}

/** One `/v3/snapshot` result: an instrument's state, or a ticker the sandbox does not know. */
export type UniversalEntry = { tick: SandboxTick } | { unknownTicker: string };

/** `/v3/snapshot` page (§3.5); `nextUrl` carries the cursor and never the key. */
export function universalSnapshotResponse(
  entries: readonly UniversalEntry[],
  requestId: string,
  nextUrl: string | undefined,
): SandboxResponse {
  const results = entries.map((entry) =>
    "tick" in entry
      ? universalItem(entry.tick)
      : { ticker: entry.unknownTicker, error: "NOT_FOUND", message: TICKER_NOT_FOUND_TEXT },
  );
  const body = { status: "OK", request_id: requestId, results, ...(nextUrl ? { next_url: nextUrl } : {}) };
  return ok(withNanos(JSON.stringify(body)));
}

/**
 * Previous-day bar (§3.7); `t` as in the recorded example (the last ms of the bar's UTC day).
 * Without a tick the ticker is unknown: 200 with no results, as aggregates answer.
 */
export function prevBarResponse(
  ticker: string,
  tick: SandboxTick | undefined,
  barTime: number,
  requestId: string,
): SandboxResponse {
  const head = { status: "OK", ticker, adjusted: true, request_id: requestId };
  if (!tick) return ok(JSON.stringify({ ...head, queryCount: 0, resultsCount: 0 }));
  const { prevDay, instrument } = tick;
  const trades = instrument.assetClass === "crypto" ? Math.round(prevDay.v * 20) : prevDay.v;
  const bar = {
    T: ticker,
    ...prevDay,
    vw: typicalPrice(prevDay, instrument.decimals),
    n: trades,
    t: barTime,
  };
  return ok(JSON.stringify({ ...head, queryCount: 1, resultsCount: 1, results: [bar] }));
}

function ok(body: string): SandboxResponse {
  return { status: 200, body };
}

/** One v2 ticker item; `updated` in ns, quote and trade `t` in ms, as live (§4). */
function tickerItemJson(tick: SandboxTick): string {
  const { instrument, day, prevDay, minute } = tick;
  const change = tick.price - prevDay.c;
  const isCrypto = instrument.assetClass === "crypto";
  const fields = {
    ticker: instrument.ticker,
    todaysChange: round(change, instrument.decimals),
    todaysChangePerc: prevDay.c > 0 ? round((change / prevDay.c) * 100, 4) : 0,
    updated: nanos(tick.at),
    // The forex schema has no `vw` on `day` and `min`; crypto has it everywhere.
    day: isCrypto ? { ...day, vw: typicalPrice(day, instrument.decimals) } : day,
    min: isCrypto ? { ...minute, vw: typicalPrice(minute, instrument.decimals) } : minute,
    prevDay: { ...prevDay, vw: typicalPrice(prevDay, instrument.decimals) },
    ...(isCrypto
      ? { lastTrade: { c: [1], i: String(tick.tradeId), p: tick.price, s: tick.size, t: tick.at, x: 1 } }
      : { lastQuote: { a: tick.ask, b: tick.bid, t: tick.at, x: 48 } }),
  };
  return withNanos(JSON.stringify(fields));
}

/** A `/v3/snapshot` item: fx carries `last_quote`, crypto `last_trade`, times in ns (§3.5). */
function universalItem(tick: SandboxTick): object {
  const { instrument, day, prevDay } = tick;
  const isCrypto = instrument.assetClass === "crypto";
  const change = tick.price - prevDay.c;
  const session = {
    change: round(change, instrument.decimals),
    change_percent: prevDay.c > 0 ? round((change / prevDay.c) * 100, 3) : 0,
    close: day.c,
    high: day.h,
    low: day.l,
    open: day.o,
    previous_close: prevDay.c,
    volume: day.v,
    ...(isCrypto ? { price: tick.price } : {}),
  };
  const head = {
    ticker: instrument.ticker,
    type: isCrypto ? "crypto" : "fx",
    name: instrument.name,
    market_status: tick.marketClosed ? "closed" : "open",
    session,
  };
  if (isCrypto) {
    const trade = {
      id: String(tick.tradeId),
      price: tick.price,
      size: tick.size,
      exchange: 1,
      conditions: [1],
      participant_timestamp: nanos(tick.at),
      timeframe: "REAL-TIME",
    };
    return { ...head, last_trade: trade };
  }
  const quote = {
    ask: tick.ask,
    bid: tick.bid,
    exchange: 48,
    last_updated: nanos(tick.at),
    timeframe: "REAL-TIME",
  };
  return { ...head, last_quote: quote };
}

/** Stands in for a volume-weighted price, which the simulation does not track. */
function typicalPrice(bar: Bar, decimals: number): number {
  return round((bar.h + bar.l + bar.c) / 3, decimals);
}

const NANOS_MARKER = "@ns@";

/** A marker for the nanosecond time of epoch ms `at`; withNanos turns it into digits. */
function nanos(at: number): string {
  return `${NANOS_MARKER}${Math.floor(at)}`;
}

/** Splices ns integers in as digits: `${ms}000000` is exact, a number ≥ 2^53 would not be. */
function withNanos(json: string): string {
  return json.replace(/"@ns@(\d+)"/g, "$1000000");
}
