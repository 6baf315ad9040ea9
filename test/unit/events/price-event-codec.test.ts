import { describe, expect, it } from "vitest";
import { assetUpdateChannel, assetUpdatePattern } from "../../../src/events/channels.js";
import { decodePriceUpdate, encodePriceUpdate } from "../../../src/events/price-event-codec.js";
import { makeSnapshot } from "../../support/fakes.js";

const AT = Date.parse("2026-01-02T03:04:05.678Z");
const VALID = { bid: 1.1, ask: 1.2, spread: 0.1, last_price: 1.15, timestamp: "2026-01-02T03:04:05+00:00" };

describe("price update channels", () => {
  it("names the spec's channel, with an optional prefix", () => {
    expect(assetUpdateChannel("XAUUSD")).toBe("asset:update:XAUUSD");
    expect(assetUpdateChannel("XAUUSD", "test:1:")).toBe("test:1:asset:update:XAUUSD");
  });

  it("matches every symbol under the prefix, escaping glob characters in the prefix", () => {
    expect(assetUpdatePattern()).toBe("asset:update:*");
    expect(assetUpdatePattern("run[1]*?:")).toBe("run\\[1\\]\\*\\?:asset:update:*");
  });
});

describe("price update codec", () => {
  it("encodes the spec's body, keys in the spec's order", () => {
    expect(encodePriceUpdate(makeSnapshot("EURUSD", AT, 1.04))).toBe(
      '{"type":"price_update","symbol":"EURUSD","data":{"bid":0.54,"ask":1.54,"spread":1,"last_price":1.04,"timestamp":"2026-01-02T03:04:05.678Z"}}',
    );
  });

  it("decodes what it encodes", () => {
    const body = encodePriceUpdate(makeSnapshot("EURUSD", AT, 1.04));
    expect(decodePriceUpdate(body)).toEqual(JSON.parse(body));
  });

  it("accepts another publisher's ISO timestamp and drops fields it does not know", () => {
    const message = JSON.stringify({
      type: "price_update",
      symbol: "XAUUSD",
      data: { ...VALID, volume: 3 },
      v: 2,
    });
    expect(decodePriceUpdate(message)).toEqual({ type: "price_update", symbol: "XAUUSD", data: VALID });
  });

  it.each([
    ["not JSON", "not json"],
    ["a JSON array", "[]"],
    ["another event type", JSON.stringify({ type: "trade", symbol: "XAUUSD", data: VALID })],
    ["no symbol", JSON.stringify({ type: "price_update", data: VALID })],
    ["no data", JSON.stringify({ type: "price_update", symbol: "XAUUSD" })],
    [
      "a price as a string",
      JSON.stringify({ type: "price_update", symbol: "XAUUSD", data: { ...VALID, bid: "1.1" } }),
    ],
    [
      "a missing spread",
      JSON.stringify({ type: "price_update", symbol: "XAUUSD", data: { ...VALID, spread: undefined } }),
    ],
    [
      "an unparseable time",
      JSON.stringify({ type: "price_update", symbol: "XAUUSD", data: { ...VALID, timestamp: "soon" } }),
    ],
  ])("rejects %s", (_case, message) => {
    expect(decodePriceUpdate(message)).toBeNull();
  });
});
