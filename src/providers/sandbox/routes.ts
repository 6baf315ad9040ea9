/**
 * The sandbox's endpoints. Each route declares the plans that include it, so the server answers
 * 403 NOT_AUTHORIZED for the others before the handler runs, as the live API does for free keys.
 */
import { findInstrument } from "./instruments.js";
import type { Plan } from "./keys.js";
import type { SimulatedMarket } from "./market.js";
import {
  messageResponse,
  PATH_NOT_FOUND_TEXT,
  type SandboxResponse,
  singleSnapshotResponse,
  TICKER_NOT_FOUND_TEXT,
} from "./responses.js";

/** What a handler may use to answer one request. */
export interface RouteContext {
  requestId: string;
  /** Epoch ms of the request. */
  at: number;
  market: SimulatedMarket;
}

export interface Route {
  method: "GET";
  /** Matched against the raw path; capture groups become `params`. */
  pattern: RegExp;
  /** Plans whose keys may call the route (reference/polygon-api.md §0.1). */
  plans: readonly Plan[];
  handle(params: readonly string[], context: RouteContext): SandboxResponse;
}

export const ROUTES: readonly Route[] = [
  {
    method: "GET",
    pattern: /^\/v2\/snapshot\/locale\/global\/markets\/(forex|crypto)\/tickers\/([^/]+)$/,
    // The free plan has no snapshot endpoints.
    plans: ["paid"],
    handle: singleTickerSnapshot,
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
  { requestId, at, market }: RouteContext,
): SandboxResponse {
  // Clients send the ticker as `C:EURUSD` or `C%3AEURUSD`; both name the same ticker.
  const ticker = safeDecode(encodedTicker ?? "");
  const instrument =
    assetClass === "forex" || assetClass === "crypto" ? findInstrument(ticker, assetClass) : undefined;
  if (!instrument) return messageResponse(404, "NOT_FOUND", requestId, TICKER_NOT_FOUND_TEXT);
  return singleSnapshotResponse(market.tick(instrument, at), requestId);
}

function safeDecode(segment: string): string {
  try {
    return decodeURIComponent(segment);
  } catch {
    // A malformed escape cannot name a known ticker; keep it as is so the lookup misses.
    return segment;
  }
}
