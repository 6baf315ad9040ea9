/**
 * The recorded bodies of reference/polygon-api.md §3, verbatim, through every parser: the same
 * market moment read from the v2 single, v2 multi and v3 universal snapshots, with `updated` in ns
 * (live) and in ms (docs examples), gives the same AssetSnapshot.
 */
import { describe, expect, it } from "vitest";
import type { AssetRef, AssetSnapshot } from "../../../src/models/batch.js";
import {
  parseSingleSnapshot,
  snapshotFromTickerItem,
  tickerItemsOfMultiSnapshot,
} from "../../../src/providers/polygon-parse.js";
import { parsePrevBar } from "../../../src/providers/polygon-parse-prev.js";
import { parseUniversalPage, snapshotFromUniversalItem } from "../../../src/providers/polygon-parse-v3.js";

const EURUSD: AssetRef = { symbol: "EURUSD", polygonTicker: "C:EURUSD", assetType: "forex" };
const BTCUSD: AssetRef = { symbol: "BTCUSD", polygonTicker: "X:BTCUSD", assetType: "crypto" };

/** §3.2 item, verbatim; `updated` as given (live: ns). */
function forexItem(updated: number) {
  return {
    ticker: "C:EURUSD",
    todaysChange: 0.00127,
    todaysChangePerc: 0.1175,
    updated,
    day: { o: 1.08012, h: 1.08291, l: 1.07905, c: 1.08139, v: 61234 },
    min: { o: 1.08131, h: 1.08142, l: 1.08127, c: 1.08139, v: 73, n: 73, t: 1736784000000 },
    prevDay: { o: 1.07844, h: 1.08133, l: 1.07701, c: 1.08012, v: 141022, vw: 1.0792 },
    lastQuote: { a: 1.08142, b: 1.08136, t: 1736784061000, x: 48 },
  };
}

/** §3.3 item, verbatim. */
function cryptoItem(updated: number) {
  return {
    ticker: "X:BTCUSD",
    todaysChange: -812.4,
    todaysChangePerc: -0.861,
    updated,
    day: { o: 94350.1, h: 95120.0, l: 93211.5, c: 93537.7, v: 8123.44, vw: 94012.3 },
    min: { o: 93560.0, h: 93575.2, l: 93520.1, c: 93537.7, v: 12.3, vw: 93544.9, n: 412, t: 1736784000000 },
    prevDay: { o: 94511.0, h: 95830.0, l: 93900.2, c: 94350.1, v: 15233.1, vw: 94877.6 },
    lastTrade: { c: [1], i: "712345678", p: 93537.7, s: 0.0042, t: 1736784062117, x: 1 },
  };
}

/** §3.5 body as JSON text, verbatim: ns integers must go through JSON.parse as on the wire. */
const UNIVERSAL_BODY_TEXT = `{
  "status": "OK",
  "request_id": "0d350849a2a843c584459c6f55d371e6",
  "results": [
    { "ticker": "C:EURUSD", "type": "fx", "name": "Euro - United States Dollar", "market_status": "open",
      "session": { "open": 1.08012, "high": 1.08291, "low": 1.07905, "close": 1.08139,
                   "previous_close": 1.08012, "change": 0.00127, "change_percent": 0.118, "volume": 61234 },
      "last_quote": { "ask": 1.08142, "bid": 1.08136, "exchange": 48, "last_updated": 1736784061000000000, "timeframe": "REAL-TIME" } },
    { "ticker": "X:BTCUSD", "type": "crypto", "name": "Bitcoin - United States Dollar", "market_status": "open",
      "session": { "open": 94350.1, "high": 95120.0, "low": 93211.5, "close": 93537.7, "previous_close": 94350.1,
                   "change": -812.4, "change_percent": -0.861, "volume": 8123.44, "price": 93537.7 },
      "last_trade": { "id": "712345678", "price": 93537.7, "exchange": 1, "conditions": [1],
                      "participant_timestamp": 1736784062117000000, "timeframe": "REAL-TIME" } },
    { "ticker": "C:FOOBAR", "error": "NOT_FOUND", "message": "Ticker not found." }
  ],
  "next_url": "https://api.massive.com/v3/snapshot?cursor=YXA9MSZhcz0mbGltaXQ9MSZzb3J0PXRpY2tlcg"
}`;

/** §3.2 / §3.3 with `updated` in ns, as JSON text (the ns value is not a safe JS integer). */
const singleBodyText = (item: string, updatedNs: string) =>
  `{"status":"OK","request_id":"6a7e466379af0a71039d60cc78e72282","ticker":${item.replace(/"updated":\d+/, `"updated":${updatedNs}`)}}`;

const EXPECTED_EURUSD: AssetSnapshot = {
  symbol: "EURUSD",
  bid: 1.08136,
  ask: 1.08142,
  spread: 0.00006,
  lastPrice: 1.08139,
  dailyOpen: 1.08012,
  dailyHigh: 1.08291,
  dailyLow: 1.07905,
  dailyClose: 1.08139,
  dailyVolume: 61234,
  timestamp: new Date(1736784061000),
  source: "polygon",
};

const EXPECTED_BTCUSD: AssetSnapshot = {
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
};

describe("recorded bodies of every endpoint parse to the same snapshot", () => {
  const cases: Array<[string, AssetRef, AssetSnapshot, () => AssetSnapshot]> = [
    [
      "EURUSD, v2 single, updated in ns (live)",
      EURUSD,
      EXPECTED_EURUSD,
      () =>
        parseSingleSnapshot(
          JSON.parse(singleBodyText(JSON.stringify(forexItem(0)), "1736784061000000000")),
          EURUSD,
        ),
    ],
    [
      "EURUSD, v2 single, updated in ms (docs)",
      EURUSD,
      EXPECTED_EURUSD,
      () => parseSingleSnapshot({ status: "OK", ticker: forexItem(1736784061000) }, EURUSD),
    ],
    [
      "BTCUSD, v2 single, updated in ns (live)",
      BTCUSD,
      EXPECTED_BTCUSD,
      () =>
        parseSingleSnapshot(
          JSON.parse(singleBodyText(JSON.stringify(cryptoItem(0)), "1736784062117000000")),
          BTCUSD,
        ),
    ],
    [
      "BTCUSD, v2 single, updated in ms (docs)",
      BTCUSD,
      EXPECTED_BTCUSD,
      () => parseSingleSnapshot({ status: "OK", ticker: cryptoItem(1736784062117) }, BTCUSD),
    ],
    [
      "EURUSD, v2 multi (§3.4)",
      EURUSD,
      EXPECTED_EURUSD,
      () =>
        fromMulti(EURUSD, {
          status: "OK",
          count: 2,
          tickers: [forexItem(1736784061000000000), cryptoItem(1)],
        }),
    ],
    [
      "BTCUSD, v2 multi without count or request_id",
      BTCUSD,
      EXPECTED_BTCUSD,
      () => fromMulti(BTCUSD, { status: "OK", tickers: [forexItem(1), cryptoItem(1736784062117)] }),
    ],
    ["EURUSD, v3 universal (ns times)", EURUSD, EXPECTED_EURUSD, () => fromUniversal(EURUSD)],
    ["BTCUSD, v3 universal (ns times)", BTCUSD, EXPECTED_BTCUSD, () => fromUniversal(BTCUSD)],
  ];

  it.each(cases)("%s", (_case, _asset, expected, parse) => {
    expect(parse()).toEqual(expected);
  });

  it("reads the same time whether the quote or `updated` alone carries it, in ns or ms", () => {
    const quoteTimeless = (updated: number) => {
      const item: Record<string, unknown> = forexItem(updated);
      item.lastQuote = { a: 1.08142, b: 1.08136, x: 48 };
      return { status: "OK", ticker: item };
    };

    expect(parseSingleSnapshot(quoteTimeless(1736784061000000000), EURUSD)).toEqual(EXPECTED_EURUSD);
    expect(parseSingleSnapshot(quoteTimeless(1736784061000), EURUSD)).toEqual(EXPECTED_EURUSD);
  });

  it("keeps the §3.5 next_url and reads the per-item NOT_FOUND as not_found", () => {
    const page = parseUniversalPage(JSON.parse(UNIVERSAL_BODY_TEXT), "test");
    const foobar = page.items.get("C:FOOBAR");
    if (!foobar) throw new Error("no C:FOOBAR item");

    expect(page.nextUrl).toBe(
      "https://api.massive.com/v3/snapshot?cursor=YXA9MSZhcz0mbGltaXQ9MSZzb3J0PXRpY2tlcg",
    );
    expect(() =>
      snapshotFromUniversalItem(
        foobar,
        { symbol: "FOOBAR", polygonTicker: "C:FOOBAR", assetType: "forex" },
        "universal",
      ),
    ).toThrow(
      expect.objectContaining({
        kind: "not_found",
        message: "Polygon does not know ticker C:FOOBAR (NOT_FOUND: Ticker not found.)",
      }),
    );
  });

  it("reads the §3.7 previous-day bar: the close is bid, ask and last; the bar is the day", () => {
    const body = {
      status: "OK",
      ticker: "C:EURUSD",
      adjusted: true,
      queryCount: 1,
      resultsCount: 1,
      request_id: "08ec061fb85115678d68452c0a609cb7",
      results: [
        {
          T: "C:EURUSD",
          o: 1.07844,
          h: 1.08133,
          l: 1.07701,
          c: 1.08012,
          v: 141022,
          vw: 1.0792,
          n: 141022,
          t: 1736726399999,
        },
      ],
    };

    expect(parsePrevBar(body, EURUSD)).toEqual({
      symbol: "EURUSD",
      bid: 1.08012,
      ask: 1.08012,
      spread: 0,
      lastPrice: 1.08012,
      dailyOpen: 1.07844,
      dailyHigh: 1.08133,
      dailyLow: 1.07701,
      dailyClose: 1.08012,
      dailyVolume: 141022,
      timestamp: new Date(1736726399999),
      source: "polygon",
    });
  });
});

function fromMulti(asset: AssetRef, body: unknown): AssetSnapshot {
  const item = tickerItemsOfMultiSnapshot(body, "test").get(asset.polygonTicker);
  if (!item) throw new Error(`no ${asset.polygonTicker} item`);
  return snapshotFromTickerItem(item, asset);
}

function fromUniversal(asset: AssetRef): AssetSnapshot {
  const item = parseUniversalPage(JSON.parse(UNIVERSAL_BODY_TEXT), "test").items.get(asset.polygonTicker);
  if (!item) throw new Error(`no ${asset.polygonTicker} item`);
  return snapshotFromUniversalItem(item, asset, "universal");
}
