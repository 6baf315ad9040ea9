import { describe, expect, it } from "vitest";
import {
  parseJsonBody,
  providerErrorFromResponse,
  providerErrorFromTransport,
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

describe("providerErrorFromResponse", () => {
  it("maps 401 to unauthorized, naming POLYGON_API_KEY and quoting the provider", () => {
    const error = providerErrorFromResponse(401, BODIES.unknownKey, "C:XAUUSD");

    expect(error.kind).toBe("unauthorized");
    expect(error.httpStatus).toBe(401);
    expect(error.message).toBe("Polygon rejected POLYGON_API_KEY (HTTP 401: Unknown API Key); check the key");
  });

  it("maps 403 NOT_AUTHORIZED to not_entitled, pointing at POLYGON_FETCH_MODE=prev", () => {
    const error = providerErrorFromResponse(403, BODIES.notEntitled, "C:XAUUSD");

    expect(error.kind).toBe("not_entitled");
    expect(error.message).toContain("You are not entitled to this data");
    expect(error.message).toContain("POLYGON_FETCH_MODE=prev");
  });

  it("maps 404 to not_found, naming the ticker", () => {
    const error = providerErrorFromResponse(404, BODIES.notFound, "C:FOOBAR");

    expect(error.kind).toBe("not_found");
    expect(error.message).toBe("Polygon does not know ticker C:FOOBAR (HTTP 404: Ticker not found.)");
  });

  it("maps 429 to rate_limited, with or without a body", () => {
    const withBody = providerErrorFromResponse(429, BODIES.rateLimited, "C:XAUUSD");
    const empty = providerErrorFromResponse(429, "", "C:XAUUSD");

    expect(withBody.kind).toBe("rate_limited");
    expect(withBody.message).toContain("You've exceeded the maximum requests per minute");
    expect(empty.kind).toBe("rate_limited");
    expect(empty.message).toBe("Polygon call budget exceeded (HTTP 429: empty body)");
  });

  it("maps 5xx to transient, without quoting an HTML error page", () => {
    const json = providerErrorFromResponse(500, BODIES.serverError, "X:BTCUSD");
    const html = providerErrorFromResponse(502, BODIES.nginx502, "X:BTCUSD");

    expect(json.kind).toBe("transient");
    expect(json.message).toBe("Polygon server error for X:BTCUSD (HTTP 500: Internal server error)");
    expect(html.kind).toBe("transient");
    expect(html.message).toBe("Polygon server error for X:BTCUSD (HTTP 502: non-JSON body)");
  });

  it("maps any other status to invalid_response", () => {
    const error = providerErrorFromResponse(400, '{"status":"ERROR","error":"bad ticker"}', "C:EURUSD");

    expect(error.kind).toBe("invalid_response");
    expect(error.message).toContain("HTTP 400: bad ticker");
  });

  it("cuts long provider text short", () => {
    const error = providerErrorFromResponse(500, JSON.stringify({ error: "x".repeat(5000) }), "C:EURUSD");

    expect(error.message.length).toBeLessThan(400);
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
