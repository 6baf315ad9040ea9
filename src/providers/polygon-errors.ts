/**
 * Maps Polygon HTTP outcomes to ProviderError kinds (reference/polygon-api.md §5), with messages
 * an operator can act on. Callers pass body text with the API key already removed.
 */
import { ProviderError } from "../models/errors.js";

/** Longest provider text quoted in a message, so an HTML error page cannot flood the logs. */
const MAX_QUOTED_TEXT = 300;

/** Undici error codes meaning "the provider did not answer in time". */
const TIMEOUT_CODES = new Set(["UND_ERR_HEADERS_TIMEOUT", "UND_ERR_BODY_TIMEOUT", "UND_ERR_CONNECT_TIMEOUT"]);

/** The error for a non-200 response. `ticker` names what was asked for. */
export function providerErrorFromResponse(
  httpStatus: number,
  bodyText: string,
  ticker: string,
): ProviderError {
  const detail = `HTTP ${httpStatus}: ${describeErrorBody(bodyText)}`;
  if (httpStatus === 401) {
    return new ProviderError(
      "unauthorized",
      `Polygon rejected POLYGON_API_KEY (${detail}); check the key`,
      httpStatus,
    );
  }
  if (httpStatus === 403) {
    return new ProviderError(
      "not_entitled",
      `the Polygon plan of POLYGON_API_KEY does not include snapshots of ${ticker} (${detail}); ` +
        "free-plan keys need POLYGON_FETCH_MODE=prev",
      httpStatus,
    );
  }
  if (httpStatus === 429) {
    return new ProviderError("rate_limited", `Polygon call budget exceeded (${detail})`, httpStatus);
  }
  if (httpStatus === 404) {
    return new ProviderError("not_found", `Polygon does not know ticker ${ticker} (${detail})`, httpStatus);
  }
  if (httpStatus >= 500) {
    return new ProviderError("transient", `Polygon server error for ${ticker} (${detail})`, httpStatus);
  }
  return new ProviderError(
    "invalid_response",
    `unexpected response from Polygon for ${ticker} (${detail})`,
    httpStatus,
  );
}

/** The JSON of a 200 response; an empty or non-JSON body is an invalid response. */
export function parseJsonBody(bodyText: string, ticker: string): unknown {
  if (bodyText.trim() === "") {
    throw new ProviderError("invalid_response", `${ticker}: empty response body (HTTP 200)`, 200);
  }
  try {
    return JSON.parse(bodyText);
  } catch (error) {
    throw new ProviderError("invalid_response", `${ticker}: response body is not JSON (HTTP 200)`, 200, {
      cause: error,
    });
  }
}

/** The error for a request that got no HTTP response: timeout, refused or reset connection. */
export function providerErrorFromTransport(error: unknown, ticker: string): ProviderError {
  const code = errorCode(error);
  const reason = error instanceof Error ? error.message : String(error);
  const message =
    code && TIMEOUT_CODES.has(code)
      ? `Polygon did not answer for ${ticker} in time: ${reason} (${code})`
      : `request to Polygon for ${ticker} failed: ${reason}${code ? ` (${code})` : ""}`;
  return new ProviderError("transient", message, undefined, { cause: error });
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
