import { describe, expect, it } from "vitest";
import type { AssetRef } from "../../../src/models/batch.js";
import { ProviderError } from "../../../src/models/errors.js";
import { epochMsFromProviderTime, parseSingleSnapshot } from "../../../src/providers/polygon-parse.js";

const EURUSD: AssetRef = { symbol: "EURUSD", polygonTicker: "C:EURUSD", assetType: "forex" };
const BTCUSD: AssetRef = { symbol: "BTCUSD", polygonTicker: "X:BTCUSD", assetType: "crypto" };

/** reference/polygon-api.md §3.2, verbatim. */
function recordedForexBody() {
  return {
    status: "OK",
    request_id: "6a7e466379af0a71039d60cc78e72282",
    ticker: {
      ticker: "C:EURUSD",
      todaysChange: 0.00127,
      todaysChangePerc: 0.1175,
      updated: 1736784061000000000,
      day: { o: 1.08012, h: 1.08291, l: 1.07905, c: 1.08139, v: 61234 } as Record<string, unknown>,
      min: { o: 1.08131, h: 1.08142, l: 1.08127, c: 1.08139, v: 73, n: 73, t: 1736784000000 },
      prevDay: { o: 1.07844, h: 1.08133, l: 1.07701, c: 1.08012, v: 141022, vw: 1.0792 },
      lastQuote: { a: 1.08142, b: 1.08136, t: 1736784061000, x: 48 } as Record<string, unknown>,
    },
  };
}

/** reference/polygon-api.md §3.3, verbatim. */
function recordedCryptoBody() {
  return {
    status: "OK",
    request_id: "0d5f0d3c4b6e4d0f9a9c3b1e2f7a8c11",
    ticker: {
      ticker: "X:BTCUSD",
      todaysChange: -812.4,
      todaysChangePerc: -0.861,
      updated: 1736784062117000000,
      day: { o: 94350.1, h: 95120.0, l: 93211.5, c: 93537.7, v: 8123.44, vw: 94012.3 },
      min: { o: 93560.0, h: 93575.2, l: 93520.1, c: 93537.7, v: 12.3, vw: 93544.9, n: 412, t: 1736784000000 },
      prevDay: { o: 94511.0, h: 95830.0, l: 93900.2, c: 94350.1, v: 15233.1, vw: 94877.6 },
      lastTrade: { c: [1], i: "712345678", p: 93537.7, s: 0.0042, t: 1736784062117, x: 1 } as Record<
        string,
        unknown
      >,
    },
  };
}

function rejectionOf(body: unknown, asset: AssetRef = EURUSD): ProviderError {
  try {
    parseSingleSnapshot(body, asset);
  } catch (error) {
    if (error instanceof ProviderError) return error;
    throw error;
  }
  throw new Error("expected the snapshot to be rejected");
}

describe("parseSingleSnapshot", () => {
  it("parses the recorded forex snapshot: quote sides, midpoint last price, day bar, quote time", () => {
    const snapshot = parseSingleSnapshot(recordedForexBody(), EURUSD);

    expect(snapshot).toMatchObject({
      symbol: "EURUSD",
      bid: 1.08136,
      ask: 1.08142,
      dailyOpen: 1.08012,
      dailyHigh: 1.08291,
      dailyLow: 1.07905,
      dailyClose: 1.08139,
      dailyVolume: 61234,
      source: "polygon",
    });
    // Exact: float residue of the subtraction and the midpoint is not passed on.
    expect(snapshot.spread).toBe(0.00006);
    expect(snapshot.lastPrice).toBe(1.08139);
    expect(snapshot.timestamp).toEqual(new Date(1736784061000));
  });

  it("parses the recorded crypto snapshot: the last trade is bid, ask and last price", () => {
    const snapshot = parseSingleSnapshot(recordedCryptoBody(), BTCUSD);

    expect(snapshot).toEqual({
      symbol: "BTCUSD",
      bid: 93537.7,
      ask: 93537.7,
      spread: 0,
      lastPrice: 93537.7,
      dailyOpen: 94350.1,
      dailyHigh: 95120.0,
      dailyLow: 93211.5,
      dailyClose: 93537.7,
      dailyVolume: 8123.44,
      timestamp: new Date(1736784062117),
      source: "polygon",
    });
  });

  it("gives the same time for a quote time in ms (docs) and in ns", () => {
    const inMs = recordedForexBody();
    const inNs = recordedForexBody();
    inNs.ticker.lastQuote.t = 1736784061000000000;

    expect(parseSingleSnapshot(inNs, EURUSD).timestamp).toEqual(parseSingleSnapshot(inMs, EURUSD).timestamp);
  });

  it("falls back to `updated`, in ns or in ms, when the quote has no time", () => {
    const nsUpdated = recordedForexBody();
    delete nsUpdated.ticker.lastQuote.t;
    const msUpdated = recordedForexBody();
    delete msUpdated.ticker.lastQuote.t;
    msUpdated.ticker.updated = 1736784061000;

    expect(parseSingleSnapshot(nsUpdated, EURUSD).timestamp).toEqual(new Date(1736784061000));
    expect(parseSingleSnapshot(msUpdated, EURUSD).timestamp).toEqual(new Date(1736784061000));
  });

  it("reports day values as null when the bar was zeroed by the daily reset", () => {
    const body = recordedForexBody();
    body.ticker.day = { o: 0, h: 0, l: 0, c: 0, v: 0 };

    expect(parseSingleSnapshot(body, EURUSD)).toMatchObject({
      dailyOpen: null,
      dailyHigh: null,
      dailyLow: null,
      dailyClose: null,
      dailyVolume: null,
    });
  });

  it.each([
    ["crossed quote", { a: 1.0, b: 1.1 }, "crossed quote: bid 1.1 > ask 1"],
    ["zero bid", { a: 1.08142, b: 0 }, "non-positive price lastQuote.b: 0"],
    ["negative ask", { a: -1.08142, b: 1.08136 }, "non-positive price lastQuote.a: -1.08142"],
    ["NaN bid", { a: 1.08142, b: Number.NaN }, "price lastQuote.b is not a finite number: NaN"],
    ["bid as text", { a: 1.08142, b: "1.08136" }, "price lastQuote.b is not a finite number: 1.08136"],
    ["missing ask", { b: 1.08136 }, "missing price lastQuote.a"],
  ])("rejects a forex quote with a %s", (_case, quote, reason) => {
    const body = recordedForexBody();
    body.ticker.lastQuote = { ...quote, t: 1736784061000 };

    const error = rejectionOf(body);

    expect(error.kind).toBe("invalid_response");
    expect(error.message).toBe(`C:EURUSD: ${reason}`);
  });

  it.each([
    ["zero price", 0, "non-positive price lastTrade.p: 0"],
    ["missing price", undefined, "missing price lastTrade.p"],
    ["infinite price", Number.POSITIVE_INFINITY, "price lastTrade.p is not a finite number: Infinity"],
  ])("rejects a crypto trade with a %s", (_case, price, reason) => {
    const body = recordedCryptoBody();
    body.ticker.lastTrade.p = price;

    expect(rejectionOf(body, BTCUSD).message).toBe(`X:BTCUSD: ${reason}`);
  });

  it.each([
    ["a body that is not an object", [], "response body is not a JSON object"],
    ["an error body with no ticker", { status: "ERROR", error: "oops" }, "response has no ticker object"],
    [
      "a ticker with neither quote nor trade",
      { ticker: { ticker: "C:EURUSD", updated: 1736784061000000000 } },
      "response has neither lastQuote nor lastTrade",
    ],
    [
      "another ticker's snapshot",
      { ticker: { ticker: "C:GBPUSD", lastQuote: { a: 1.27, b: 1.26, t: 1736784061000 } } },
      "response is for ticker C:GBPUSD",
    ],
    [
      "a quote with no time anywhere",
      { ticker: { ticker: "C:EURUSD", lastQuote: { a: 1.08142, b: 1.08136 } } },
      "response has no quote, trade or updated timestamp",
    ],
  ])("rejects %s", (_case, body, reason) => {
    expect(rejectionOf(body).message).toBe(`C:EURUSD: ${reason}`);
  });
});

describe("epochMsFromProviderTime", () => {
  it.each([
    ["seconds", 1736784061],
    ["milliseconds", 1736784061000],
    ["microseconds", 1736784061000000],
    ["nanoseconds", 1736784061000000000],
  ])("reads %s by magnitude", (_unit, value) => {
    expect(epochMsFromProviderTime(value)).toBe(1736784061000);
  });

  it("keeps the milliseconds of a nanosecond time", () => {
    expect(epochMsFromProviderTime(1736784062117000000)).toBe(1736784062117);
  });

  it("is not a millisecond short when a JSON double rounds a 19-digit ns time down", () => {
    // 1796418114730000000 parses to the double 1796418114729999872.
    expect(JSON.parse("1796418114730000000") / 1e6).toBeLessThan(1796418114730);
    expect(epochMsFromProviderTime(JSON.parse("1796418114730000000"))).toBe(1796418114730);
    expect(epochMsFromProviderTime(1796418114730500000)).toBe(1796418114730);
  });
});
