import { describe, expect, it } from "vitest";
import { PolygonHttp } from "../../../src/providers/polygon-http.js";
import type { CallBudget } from "../../../src/services/ports.js";

const budget = {} as CallBudget;

function http(baseUrl: string): PolygonHttp {
  return new PolygonHttp({ baseUrl, apiKey: "k-123456789", budget });
}

describe("PolygonHttp.nextPage (next_url)", () => {
  it.each([
    [
      "the live host, base without prefix",
      "https://api.massive.com",
      "https://api.massive.com/v3/snapshot?cursor=abc",
      "/v3/snapshot?cursor=abc",
    ],
    [
      "another host: only the path and query are kept, so the key stays on the base host",
      "http://127.0.0.1:9999",
      "https://api.massive.com/v3/snapshot?cursor=abc",
      "/v3/snapshot?cursor=abc",
    ],
    [
      "the base host with its path prefix",
      "http://proxy.local/polygon/",
      "http://proxy.local/polygon/v3/snapshot?cursor=abc",
      "/v3/snapshot?cursor=abc",
    ],
    ["a relative URL", "https://api.massive.com", "/v3/snapshot?cursor=abc", "/v3/snapshot?cursor=abc"],
    [
      "an apiKey parameter, which is dropped",
      "https://api.massive.com",
      "https://api.massive.com/v3/snapshot?cursor=abc&apiKey=k-123456789",
      "/v3/snapshot?cursor=abc",
    ],
  ])("maps %s", (_case, baseUrl, nextUrl, expected) => {
    expect(http(baseUrl).nextPage(nextUrl)).toBe(expected);
  });
});

describe("PolygonHttp construction", () => {
  it("refuses a malformed base URL, an empty key and a non-positive backoff", () => {
    expect(() => http("not a url")).toThrow("invalid Polygon base URL");
    expect(() => new PolygonHttp({ baseUrl: "http://x", apiKey: "", budget })).toThrow("key is empty");
    expect(
      () => new PolygonHttp({ baseUrl: "http://x", apiKey: "k", budget, rateLimitBackoffMs: 0 }),
    ).toThrow(RangeError);
  });
});
