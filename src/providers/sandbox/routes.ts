/**
 * The sandbox's endpoints (reference/polygon-api.md §2). Each route declares the plans that
 * include it, so the server answers 403 NOT_AUTHORIZED for the others before the handler runs,
 * as the live API does for free keys, and names the tickers a request is about, so faults can
 * target them.
 */

import type { SandboxTick } from "./faults.js";
import { type AssetClass, findInstrument, INSTRUMENTS } from "./instruments.js";
import type { Plan } from "./keys.js";
import type { MarketTick, SimulatedMarket } from "./market.js";
import {
  messageResponse,
  multiSnapshotResponse,
  PATH_NOT_FOUND_TEXT,
  prevBarResponse,
  type SandboxResponse,
  singleSnapshotResponse,
  TICKER_NOT_FOUND_TEXT,
} from "./responses.js";
import { universalSnapshot, universalTickers } from "./routes-v3.js";

/** What a handler may use to answer one request. */
export interface RouteContext {
  requestId: string;
  /** Epoch ms of the request. */
  at: number;
  market: SimulatedMarket;
  /** The request URL (query included); its host is not meaningful. */
  url: URL;
  /** The sandbox's own base URL, for `next_url`. */
  baseUrl: string;
  /** Largest `/v3/snapshot` page served, whatever `limit` asks (live: `limit`, max 250). */
  maxV3PageSize: number;
  /** Applies the active item faults to a tick; every tick a handler serves goes through it. */
  adjust(tick: MarketTick): SandboxTick;
}

export interface Route {
  method: "GET";
  /** Matched against the raw path; capture groups become `params`. */
  pattern: RegExp;
  /** Plans whose keys may call the route (reference/polygon-api.md §0.1). */
  plans: readonly Plan[];
  /** The tickers a request is about, or null for all of them. */
  tickers(params: readonly string[], url: URL): readonly string[] | null;
  handle(params: readonly string[], context: RouteContext): SandboxResponse;
}

export const ROUTES: readonly Route[] = [
  {
    method: "GET",
    pattern: /^\/v2\/snapshot\/locale\/global\/markets\/(forex|crypto)\/tickers\/([^/]+)$/,
    // The free plan has no snapshot endpoints.
    plans: ["paid"],
    tickers: ([, encodedTicker]) => [safeDecode(encodedTicker ?? "")],
    handle: singleTickerSnapshot,
  },
  {
    method: "GET",
    pattern: /^\/v2\/snapshot\/locale\/global\/markets\/(forex|crypto)\/tickers$/,
    plans: ["paid"],
    tickers: (_params, url) => {
      const requested = tickersParam(url);
      return requested.length === 0 ? null : requested;
    },
    handle: multiTickerSnapshot,
  },
  {
    method: "GET",
    pattern: /^\/v3\/snapshot$/,
    plans: ["paid"],
    tickers: (_params, url) => universalTickers(url),
    handle: (_params, context) => universalSnapshot(context),
  },
  {
    method: "GET",
    pattern: /^\/v2\/aggs\/ticker\/([^/]+)\/prev$/,
    // The previous-day bar is what the free plan can read.
    plans: ["paid", "free"],
    tickers: ([encodedTicker]) => [safeDecode(encodedTicker ?? "")],
    handle: previousDayBar,
  },
];

export function matchRoute(
  method: string,
  pathname: string,
): { route: Route; params: readonly string[] } | undefined {
  for (const route of ROUTES) {
    const match = route.method === method ? route.pattern.exec(pathname) : null;
    if (match) return { route, params: match.slice(1) };
  }
  return undefined;
}

export function pathNotFound(requestId: string): SandboxResponse {
  return messageResponse(404, "NOT_FOUND", requestId, PATH_NOT_FOUND_TEXT);
}

function singleTickerSnapshot(
  [assetClass, encodedTicker]: readonly string[],
  { requestId, at, market, adjust }: RouteContext,
): SandboxResponse {
  // Clients send the ticker as `C:EURUSD` or `C%3AEURUSD`; both name the same ticker.
  const ticker = safeDecode(encodedTicker ?? "");
  const instrument = findInstrument(ticker, assetClass as AssetClass);
  if (!instrument) return messageResponse(404, "NOT_FOUND", requestId, TICKER_NOT_FOUND_TEXT);
  return singleSnapshotResponse(adjust(market.tick(instrument, at)), requestId);
}

/**
 * `tickers` is comma-separated (python) or repeated (client-js); absent or empty means every
 * ticker of the class. Unknown tickers are left out of the answer (§5, unverified live).
 */
function multiTickerSnapshot(
  [assetClass]: readonly string[],
  { requestId, at, market, url, adjust }: RouteContext,
): SandboxResponse {
  const requested = tickersParam(url);
  const instruments =
    requested.length === 0
      ? INSTRUMENTS.filter((instrument) => instrument.assetClass === assetClass)
      : [...new Set(requested)].flatMap((ticker) => findInstrument(ticker, assetClass as AssetClass) ?? []);
  return multiSnapshotResponse(
    instruments.map((instrument) => adjust(market.tick(instrument, at))),
    requestId,
  );
}

function previousDayBar(
  [encodedTicker]: readonly string[],
  { requestId, at, market, adjust }: RouteContext,
): SandboxResponse {
  const ticker = safeDecode(encodedTicker ?? "");
  const instrument = findInstrument(ticker);
  const tick = instrument ? adjust(market.tick(instrument, at)) : undefined;
  return prevBarResponse(ticker, tick, startOfUtcDay(at) - 1, requestId);
}

/** The `tickers` query parameter: comma-separated and/or repeated, empty entries dropped. */
function tickersParam(url: URL): string[] {
  return url.searchParams
    .getAll("tickers")
    .flatMap((value) => value.split(","))
    .filter((ticker) => ticker !== "");
}

function startOfUtcDay(at: number): number {
  return at - (((at % 86_400_000) + 86_400_000) % 86_400_000);
}

export function safeDecode(segment: string): string {
  try {
    return decodeURIComponent(segment);
  } catch {
    // A malformed escape cannot name a known ticker; keep it as is so the lookup misses.
    return segment;
  }
}
