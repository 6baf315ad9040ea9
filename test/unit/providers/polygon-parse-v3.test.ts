/** Validation of the multi-ticker, universal (v3) and previous-day bar bodies. */
import { describe, expect, it } from "vitest";
import type { AssetRef } from "../../../src/models/batch.js";
import { ProviderError } from "../../../src/models/errors.js";
import { tickerItemsOfMultiSnapshot } from "../../../src/providers/polygon-parse.js";
import { parsePrevBar } from "../../../src/providers/polygon-parse-prev.js";
import { parseUniversalPage, snapshotFromUniversalItem } from "../../../src/providers/polygon-parse-v3.js";

const EURUSD: AssetRef = { symbol: "EURUSD", polygonTicker: "C:EURUSD", assetType: "forex" };
const BTCUSD: AssetRef = { symbol: "BTCUSD", polygonTicker: "X:BTCUSD", assetType: "crypto" };
const NS = 1736784061000000000;

function fxItem(quote: Record<string, unknown>): Record<string, unknown> {
  return { ticker: "C:EURUSD", type: "fx", last_quote: { last_updated: NS, ...quote } };
}

function rejection(parse: () => unknown): ProviderError {
  try {
    parse();
  } catch (error) {
    if (error instanceof ProviderError) return error;
    throw error;
  }
  throw new Error("expected a rejection");
}

describe("snapshotFromUniversalItem", () => {
  it.each([
    ["a crossed quote", { ask: 1.08, bid: 1.09 }, "crossed quote: bid 1.09 > ask 1.08"],
    ["a zero bid", { ask: 1.08, bid: 0 }, "non-positive price last_quote.bid: 0"],
    ["a negative ask", { ask: -1, bid: 1.08 }, "non-positive price last_quote.ask: -1"],
    ["a missing ask", { bid: 1.08 }, "missing price last_quote.ask"],
    ["a price as text", { ask: "1.08", bid: 1.07 }, "price last_quote.ask is not a finite number: 1.08"],
  ])("rejects an fx item with %s", (_case, quote, reason) => {
    const error = rejection(() => snapshotFromUniversalItem(fxItem(quote), EURUSD, "universal"));

    expect(error).toMatchObject({ kind: "invalid_response", message: `C:EURUSD: ${reason}` });
  });

  it("rejects a crypto item whose trade price is zero", () => {
    const item = { ticker: "X:BTCUSD", type: "crypto", last_trade: { price: 0, participant_timestamp: NS } };

    expect(rejection(() => snapshotFromUniversalItem(item, BTCUSD, "universal")).message).toBe(
      "X:BTCUSD: non-positive price last_trade.price: 0",
    );
  });

  it("rejects an item of another type or ticker, or with neither quote nor trade", () => {
    const stock = { ticker: "C:EURUSD", type: "stocks", last_quote: { ask: 1, bid: 1, last_updated: NS } };
    const other = { ...fxItem({ ask: 1.08, bid: 1.07 }), ticker: "C:GBPUSD" };
    const bare = { ticker: "C:EURUSD", type: "fx", session: { close: 1.08 } };

    expect(rejection(() => snapshotFromUniversalItem(stock, EURUSD, "universal")).message).toBe(
      "C:EURUSD: result is of type stocks, expected fx",
    );
    expect(rejection(() => snapshotFromUniversalItem(other, EURUSD, "universal")).message).toBe(
      "C:EURUSD: response is for ticker C:GBPUSD",
    );
    expect(rejection(() => snapshotFromUniversalItem(bare, EURUSD, "universal")).message).toBe(
      "C:EURUSD: result has neither last_quote nor last_trade",
    );
  });

  it("takes the time from sip_timestamp or last_updated when the participant time is missing", () => {
    const item = { ticker: "X:BTCUSD", last_trade: { price: 93000, sip_timestamp: 1736784062117000000 } };

    expect(snapshotFromUniversalItem(item, BTCUSD, "universal").timestamp).toEqual(new Date(1736784062117));
  });

  it("tolerates a missing session: daily values are null", () => {
    expect(snapshotFromUniversalItem(fxItem({ ask: 1.08, bid: 1.07 }), EURUSD, "universal")).toMatchObject({
      dailyOpen: null,
      dailyClose: null,
      dailyVolume: null,
    });
  });
});

describe("parseUniversalPage and tickerItemsOfMultiSnapshot", () => {
  it("read an OK answer without results as no items", () => {
    expect(parseUniversalPage({ status: "OK" }, "q").items.size).toBe(0);
    expect(tickerItemsOfMultiSnapshot({ status: "OK" }, "q").size).toBe(0);
  });

  it("reject bodies without their array", () => {
    expect(rejection(() => parseUniversalPage({ status: "ERROR" }, "C:EURUSD")).message).toBe(
      "C:EURUSD: response has no results array",
    );
    expect(rejection(() => tickerItemsOfMultiSnapshot({ tickers: {} }, "C:EURUSD")).message).toBe(
      "C:EURUSD: response has no tickers array",
    );
    expect(rejection(() => parseUniversalPage("[]", "q")).kind).toBe("invalid_response");
  });
});

describe("parsePrevBar", () => {
  const bar = { T: "X:BTCUSD", o: 94511, h: 95830, l: 93900.2, c: 94350.1, v: 15233.1, t: 1736726399999 };

  it("reads an answer without a bar as an unknown ticker", () => {
    const body = { ticker: "X:NOPE", queryCount: 0, resultsCount: 0, adjusted: true, status: "OK" };

    expect(rejection(() => parsePrevBar(body, BTCUSD))).toMatchObject({
      kind: "not_found",
      message: "Polygon has no previous-day bar for ticker X:BTCUSD (resultsCount 0)",
    });
  });

  it.each([
    ["a zero close", { ...bar, c: 0 }, "non-positive price results[0].c: 0"],
    ["a missing close", { ...bar, c: undefined }, "missing price results[0].c"],
    ["no bar time", { ...bar, t: undefined }, "previous-day bar has no time t: undefined"],
    ["another ticker's bar", { ...bar, T: "X:ETHUSD" }, "response is for ticker X:ETHUSD"],
  ])("rejects a bar with %s", (_case, result, reason) => {
    expect(rejection(() => parsePrevBar({ status: "OK", results: [result] }, BTCUSD))).toMatchObject({
      kind: "invalid_response",
      message: `X:BTCUSD: ${reason}`,
    });
  });

  it("reads a bar time given in ns by magnitude", () => {
    const inNs = parsePrevBar({ results: [{ ...bar, t: 1736726399999000000 }] }, BTCUSD);

    expect(inNs.timestamp).toEqual(new Date(1736726399999));
  });
});
