import { describe, expect, it } from "vitest";
import {
  parseJsonBody,
  providerErrorFromItem,
  providerErrorFromResponse,
  providerErrorFromTransport,
  type RequestSubject,
  tickerLabel,
} from "../../../src/providers/polygon-errors.js";

/** Error bodies as the live API sends them (reference/polygon-api.md §5). */
const BODIES = {
  unknownKey: '{"status":"ERROR","request_id":"a1","error":"Unknown API Key"}',
  notEntitled:
    '{"status":"NOT_AUTHORIZED","request_id":"a2","message":"You are not entitled to this data. Please upgrade your plan at https://massive.com/pricing"}',
  notFound: '{"status":"NOT_FOUND","request_id":"a3","message":"Ticker not found."}',
  rateLimited:
    '{"status":"ERROR","request_id":"a4","error":"You\'ve exceeded the maximum requests per minute, please wait or upgrade your subscription to continue. https://massive.com/pricing"}',
  serverError: '{"status":"ERROR","request_id":"a5","error":"Internal server error"}',
  nginx502: "<html><head><title>502 Bad Gateway</title></head><body>nginx</body></html>",
};

const SINGLE = (ticker: string): RequestSubject => ({ tickers: [ticker], mode: "single" });

describe("providerErrorFromResponse", () => {
  it("maps 401 to unauthorized, naming POLYGON_API_KEY and quoting the provider", () => {
    const error = providerErrorFromResponse(401, BODIES.unknownKey, SINGLE("C:XAUUSD"));

    expect(error.kind).toBe("unauthorized");
    expect(error.retryable).toBe(false);
    expect(error.httpStatus).toBe(401);
    expect(error.message).toBe("Polygon rejected POLYGON_API_KEY (HTTP 401: Unknown API Key); check the key");
  });

  it.each(["single", "multi", "universal"] as const)(
    "maps 403 NOT_AUTHORIZED in mode %s to not_entitled, pointing at POLYGON_FETCH_MODE=prev",
    (mode) => {
      const error = providerErrorFromResponse(403, BODIES.notEntitled, { tickers: ["C:XAUUSD"], mode });

      expect(error.kind).toBe("not_entitled");
      expect(error.retryable).toBe(false);
      expect(error.message).toBe(
        `the Polygon plan of POLYGON_API_KEY does not include the snapshots that POLYGON_FETCH_MODE=${mode} ` +
          "reads (HTTP 403: You are not entitled to this data. Please upgrade your plan at " +
          "https://massive.com/pricing); free-plan keys need POLYGON_FETCH_MODE=prev",
      );
    },
  );

  it("maps 403 in mode prev to not_entitled without suggesting the mode already in use", () => {
    const error = providerErrorFromResponse(403, BODIES.notEntitled, { tickers: ["C:XAUUSD"], mode: "prev" });

    expect(error.kind).toBe("not_entitled");
    expect(error.message).toContain(
      "does not include the previous-day bars that POLYGON_FETCH_MODE=prev reads",
    );
    expect(error.message).not.toContain("free-plan keys need");
  });

  it("maps 404 to not_found, naming the ticker", () => {
    const error = providerErrorFromResponse(404, BODIES.notFound, SINGLE("C:FOOBAR"));

    expect(error.kind).toBe("not_found");
    expect(error.retryable).toBe(false);
    expect(error.message).toBe("Polygon does not know ticker C:FOOBAR (HTTP 404: Ticker not found.)");
  });

  it("maps 404 of a many-ticker request to not_found, pointing at the base URL", () => {
    const error = providerErrorFromResponse(404, BODIES.notFound, {
      tickers: ["C:XAUUSD", "C:EURUSD"],
      mode: "multi",
    });

    expect(error.kind).toBe("not_found");
    expect(error.message).toBe(
      "Polygon answered 404 for tickers C:XAUUSD, C:EURUSD (HTTP 404: Ticker not found.); check POLYGON_BASE_URL",
    );
  });

  it("maps 429 to rate_limited, with or without a body, saying until when calls pause", () => {
    const withBody = providerErrorFromResponse(429, BODIES.rateLimited, SINGLE("C:XAUUSD"), {
      pausedUntilMs: Date.UTC(2025, 0, 13, 12, 1, 0),
    });
    const empty = providerErrorFromResponse(429, "", SINGLE("C:XAUUSD"));

    expect(withBody.kind).toBe("rate_limited");
    expect(withBody.retryable).toBe(true);
    expect(withBody.message).toContain("You've exceeded the maximum requests per minute");
    expect(withBody.message).toMatch(/; no call before 2025-01-13T12:01:00.000Z$/);
    expect(empty.kind).toBe("rate_limited");
    expect(empty.message).toBe("Polygon call budget exceeded (HTTP 429: empty body)");
  });

  it("maps 5xx to transient, without quoting an HTML error page", () => {
    const json = providerErrorFromResponse(500, BODIES.serverError, SINGLE("X:BTCUSD"));
    const html = providerErrorFromResponse(502, BODIES.nginx502, {
      tickers: ["C:XAUUSD", "C:EURUSD", "X:BTCUSD"],
      mode: "universal",
    });

    expect(json.kind).toBe("transient");
    expect(json.message).toBe("Polygon server error for X:BTCUSD (HTTP 500: Internal server error)");
    expect(html.kind).toBe("transient");
    expect(html.message).toBe(
      "Polygon server error for C:XAUUSD, C:EURUSD, X:BTCUSD (HTTP 502: non-JSON body)",
    );
  });

  it("maps any other status to invalid_response", () => {
    const error = providerErrorFromResponse(
      400,
      '{"status":"ERROR","error":"bad ticker"}',
      SINGLE("C:EURUSD"),
    );

    expect(error.kind).toBe("invalid_response");
    expect(error.message).toContain("HTTP 400: bad ticker");
  });

  it("cuts long provider text short", () => {
    const error = providerErrorFromResponse(
      500,
      JSON.stringify({ error: "x".repeat(5000) }),
      SINGLE("C:EURUSD"),
    );

    expect(error.message.length).toBeLessThan(400);
  });
});

describe("providerErrorFromItem (per-item errors of /v3/snapshot)", () => {
  it("maps NOT_FOUND to not_found, quoting the message", () => {
    const error = providerErrorFromItem("NOT_FOUND", "Ticker not found.", "C:FOOBAR", "universal");

    expect(error.kind).toBe("not_found");
    expect(error.message).toBe("Polygon does not know ticker C:FOOBAR (NOT_FOUND: Ticker not found.)");
  });

  it("maps NOT_AUTHORIZED to not_entitled, pointing at POLYGON_FETCH_MODE=prev", () => {
    const error = providerErrorFromItem("NOT_AUTHORIZED", "not entitled", "X:BTCUSD", "universal");

    expect(error.kind).toBe("not_entitled");
    expect(error.message).toContain("X:BTCUSD: NOT_AUTHORIZED: not entitled");
    expect(error.message).toContain("POLYGON_FETCH_MODE=prev");
  });

  it("maps any other code to invalid_response", () => {
    expect(providerErrorFromItem("ERROR", undefined, "C:EURUSD", "universal")).toMatchObject({
      kind: "invalid_response",
      message: "Polygon returned an error for C:EURUSD (ERROR)",
    });
  });
});

describe("tickerLabel", () => {
  it("names up to five tickers, then counts the rest", () => {
    expect(tickerLabel(["A"])).toBe("A");
    expect(tickerLabel(["A", "B", "C", "D", "E", "F", "G"])).toBe("A, B, C, D, E and 2 more");
  });
});

describe("parseJsonBody", () => {
  it("returns the JSON of a 200 body", () => {
    expect(parseJsonBody('{"status":"OK"}', "C:EURUSD")).toEqual({ status: "OK" });
  });

  it.each([
    ["an empty body", "", "C:EURUSD: empty response body (HTTP 200)"],
    ["a non-JSON body", BODIES.nginx502, "C:EURUSD: response body is not JSON (HTTP 200)"],
  ])("rejects %s as invalid_response", (_case, body, message) => {
    expect(() => parseJsonBody(body, "C:EURUSD")).toThrow(
      expect.objectContaining({ kind: "invalid_response", message }),
    );
  });
});

describe("providerErrorFromTransport", () => {
  it("maps a response timeout to transient, saying the provider did not answer", () => {
    const timeout = Object.assign(new Error("Headers Timeout Error"), { code: "UND_ERR_HEADERS_TIMEOUT" });

    const error = providerErrorFromTransport(timeout, "C:XAUUSD");

    expect(error.kind).toBe("transient");
    expect(error.message).toBe(
      "Polygon did not answer for C:XAUUSD in time: Headers Timeout Error (UND_ERR_HEADERS_TIMEOUT)",
    );
    expect(error.cause).toBe(timeout);
  });

  it("maps a refused connection to transient", () => {
    const refused = Object.assign(new Error("connect ECONNREFUSED 127.0.0.1:9"), { code: "ECONNREFUSED" });

    const error = providerErrorFromTransport(refused, "C:XAUUSD");

    expect(error.kind).toBe("transient");
    expect(error.message).toBe(
      "request to Polygon for C:XAUUSD failed: connect ECONNREFUSED 127.0.0.1:9 (ECONNREFUSED)",
    );
  });
});
