/**
 * Maps Polygon HTTP outcomes to ProviderError kinds (reference/polygon-api.md §5), once, with
 * messages an operator can act on. Callers pass body text with the API key already removed.
 */
import type { FetchMode } from "../config/settings.js";
import { ProviderError } from "../models/errors.js";

/** Longest provider text quoted in a message, so an HTML error page cannot flood the logs. */
const MAX_QUOTED_TEXT = 300;
/** Tickers named in a message before "and N more". */
const MAX_NAMED_TICKERS = 5;

/** Undici error codes meaning "the provider did not answer in time". */
const TIMEOUT_CODES = new Set(["UND_ERR_HEADERS_TIMEOUT", "UND_ERR_BODY_TIMEOUT", "UND_ERR_CONNECT_TIMEOUT"]);

/** What a request asked for: its tickers and the fetch mode that sent it. */
export interface RequestSubject {
  tickers: readonly string[];
  mode: FetchMode;
}

/** Extra facts about a response that the status and body do not carry. */
export interface ResponseFacts {
  /** 429 only: the budget gives no token before this epoch ms. */
  pausedUntilMs?: number;
}

/** The error for a non-200 response. */
export function providerErrorFromResponse(
  httpStatus: number,
  bodyText: string,
  subject: RequestSubject,
  facts: ResponseFacts = {},
): ProviderError {
  const detail = `HTTP ${httpStatus}: ${describeErrorBody(bodyText)}`;
  const tickers = tickerLabel(subject.tickers);
  if (httpStatus === 401) {
    return new ProviderError(
      "unauthorized",
      `Polygon rejected POLYGON_API_KEY (${detail}); check the key`,
      httpStatus,
    );
  }
  if (httpStatus === 403) {
    return new ProviderError("not_entitled", notEntitledMessage(detail, subject.mode), httpStatus);
  }
  if (httpStatus === 429) {
    const paused =
      facts.pausedUntilMs === undefined
        ? ""
        : `; no call before ${new Date(facts.pausedUntilMs).toISOString()}`;
    return new ProviderError("rate_limited", `Polygon call budget exceeded (${detail})${paused}`, httpStatus);
  }
  if (httpStatus === 404) {
    const message =
      subject.tickers.length === 1
        ? `Polygon does not know ticker ${tickers} (${detail})`
        : `Polygon answered 404 for tickers ${tickers} (${detail}); check POLYGON_BASE_URL`;
    return new ProviderError("not_found", message, httpStatus);
  }
  if (httpStatus >= 500) {
    return new ProviderError("transient", `Polygon server error for ${tickers} (${detail})`, httpStatus);
  }
  return new ProviderError(
    "invalid_response",
    `unexpected response from Polygon for ${tickers} (${detail})`,
    httpStatus,
  );
}

/**
 * The error for one item of a 200 answer that carries its own error (`/v3/snapshot`:
 * `{ ticker, error: "NOT_FOUND", message: "Ticker not found." }`).
 */
export function providerErrorFromItem(
  code: string,
  text: string | undefined,
  ticker: string,
  mode: FetchMode,
): ProviderError {
  const detail = text === undefined ? code : `${code}: ${truncate(text)}`;
  if (code === "NOT_FOUND") {
    return new ProviderError("not_found", `Polygon does not know ticker ${ticker} (${detail})`);
  }
  if (code === "NOT_AUTHORIZED") {
    return new ProviderError("not_entitled", notEntitledMessage(`${ticker}: ${detail}`, mode));
  }
  return new ProviderError("invalid_response", `Polygon returned an error for ${ticker} (${detail})`);
}

/**
 * 403 NOT_AUTHORIZED is about the plan, not the ticker: the free plan has no snapshot endpoints
 * and reads previous-day bars instead (§0.1).
 */
function notEntitledMessage(detail: string, mode: FetchMode): string {
  if (mode === "prev") {
    return (
      `the Polygon plan of POLYGON_API_KEY does not include the previous-day bars that ` +
      `POLYGON_FETCH_MODE=prev reads (${detail}); check the key's plan`
    );
  }
  return (
    `the Polygon plan of POLYGON_API_KEY does not include the snapshots that ` +
    `POLYGON_FETCH_MODE=${mode} reads (${detail}); free-plan keys need POLYGON_FETCH_MODE=prev`
  );
}

/** The JSON of a 200 response; an empty or non-JSON body is an invalid response. */
export function parseJsonBody(bodyText: string, label: string): unknown {
  if (bodyText.trim() === "") {
    throw new ProviderError("invalid_response", `${label}: empty response body (HTTP 200)`, 200);
  }
  try {
    return JSON.parse(bodyText);
  } catch (error) {
    throw new ProviderError("invalid_response", `${label}: response body is not JSON (HTTP 200)`, 200, {
      cause: error,
    });
  }
}

/** The error for a request that got no HTTP response: timeout, refused or reset connection. */
export function providerErrorFromTransport(error: unknown, label: string): ProviderError {
  const code = errorCode(error);
  const reason = error instanceof Error ? error.message : String(error);
  const message =
    code && TIMEOUT_CODES.has(code)
      ? `Polygon did not answer for ${label} in time: ${reason} (${code})`
      : `request to Polygon for ${label} failed: ${reason}${code ? ` (${code})` : ""}`;
  return new ProviderError("transient", message, undefined, { cause: error });
}

/** Names tickers in a message: "C:EURUSD", "C:EURUSD, X:BTCUSD", or "A, B, C, D, E and 3 more". */
export function tickerLabel(tickers: readonly string[]): string {
  if (tickers.length <= MAX_NAMED_TICKERS) return tickers.join(", ");
  return `${tickers.slice(0, MAX_NAMED_TICKERS).join(", ")} and ${tickers.length - MAX_NAMED_TICKERS} more`;
}

/**
 * The provider's own words from an error body: ERROR bodies use `error`, NOT_AUTHORIZED and
 * NOT_FOUND bodies use `message` (§0.3). Some 429s and gateway errors have no JSON at all.
 */
export function describeErrorBody(bodyText: string): string {
  if (bodyText.trim() === "") return "empty body";
  let body: unknown;
  try {
    body = JSON.parse(bodyText);
  } catch {
    return "non-JSON body";
  }
  if (typeof body !== "object" || body === null) return "no error text";
  const text = "error" in body && typeof body.error === "string" ? body.error : messageOf(body);
  return text ? truncate(text) : "no error text";
}

function messageOf(body: object): string | undefined {
  return "message" in body && typeof body.message === "string" ? body.message : undefined;
}

function truncate(text: string): string {
  return text.length > MAX_QUOTED_TEXT ? `${text.slice(0, MAX_QUOTED_TEXT)}…` : text;
}

function errorCode(error: unknown): string | undefined {
  if (typeof error !== "object" || error === null || !("code" in error)) return undefined;
  return typeof error.code === "string" ? error.code : undefined;
}
