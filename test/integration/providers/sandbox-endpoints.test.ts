/** The sandbox's multi-ticker, universal (v3) and previous-day bar endpoints, and its faults. */
import { afterEach, describe, expect, it } from "vitest";
import { type Sandbox, type SandboxOptions, startSandbox } from "../../../src/providers/sandbox/server.js";

const KEY = "sandbox-test-key-31ad";
const FREE = "sandbox-free-key-9c2e";
const FOREX_PATH = "/v2/snapshot/locale/global/markets/forex/tickers";
const CRYPTO_PATH = "/v2/snapshot/locale/global/markets/crypto/tickers";

let sandbox: Sandbox | undefined;
afterEach(async () => {
  await sandbox?.close();
  sandbox = undefined;
});

async function start(options: SandboxOptions = {}): Promise<Sandbox> {
  sandbox = await startSandbox({
    keys: [
      { key: KEY, plan: "paid", limit: 100, windowMs: 60_000 },
      { key: FREE, plan: "free", limit: 100, windowMs: 60_000 },
    ],
    ...options,
  });
  return sandbox;
}

// biome-ignore lint/suspicious/noExplicitAny: test reads of provider JSON
type Json = any;

async function get(base: Sandbox, path: string, key: string | null = KEY) {
  const response = await fetch(`${base.url}${path}`, {
    headers: key === null ? {} : { authorization: `Bearer ${key}` },
  });
  const text = await response.text();
  let json: Json;
  try {
    json = JSON.parse(text);
  } catch {
    json = undefined;
  }
  return { status: response.status, headers: response.headers, text, json };
}

describe("sandbox v2 multi-ticker snapshots", () => {
  it("answers comma-joined tickers in the live item shape, leaving unknown ones out", async () => {
    const base = await start();

    const { status, text, json } = await get(base, `${FOREX_PATH}?tickers=C:XAUUSD,C:FOOBAR,C:EURUSD`);

    expect(status).toBe(200);
    expect(json.status).toBe("OK");
    expect(json.request_id).toMatch(/^[0-9a-f]{32}$/);
    expect(json.tickers.map((item: Json) => item.ticker)).toEqual(["C:XAUUSD", "C:EURUSD"]);
    expect(Object.keys(json.tickers[0].lastQuote).sort()).toEqual(["a", "b", "t", "x"]);
    expect(text.match(/"updated":\d{19},/g)).toHaveLength(2);
  });

  it("accepts percent-encoded and repeated tickers params; none means the whole class", async () => {
    const base = await start();

    const encoded = await get(base, `${CRYPTO_PATH}?tickers=X%3ABTCUSD%2CX%3AETHUSDT&include_otc=false`);
    const repeated = await get(base, `${CRYPTO_PATH}?tickers=X:BTCUSD&tickers=X:ETHUSDT`);
    const everything = await get(base, CRYPTO_PATH);

    expect(encoded.json.tickers.map((item: Json) => item.ticker)).toEqual(["X:BTCUSD", "X:ETHUSDT"]);
    expect(repeated.json.tickers.map((item: Json) => item.ticker)).toEqual(["X:BTCUSD", "X:ETHUSDT"]);
    expect(everything.json.tickers.map((item: Json) => item.ticker).sort()).toEqual([
      "X:BTCUSD",
      "X:ETHUSDT",
    ]);
    expect(everything.json.tickers[0].lastTrade.p).toBeGreaterThan(1000);
  });
});

describe("sandbox /v3/snapshot", () => {
  it("serves fx items with last_quote and crypto items with last_trade, times in ns, NOT_FOUND per item", async () => {
    const base = await start();

    const { status, text, json } = await get(
      base,
      "/v3/snapshot?ticker.any_of=C:EURUSD,X:BTCUSD,C:FOOBAR&limit=250",
    );

    expect(status).toBe(200);
    const [euro, bitcoin, unknown] = json.results;
    expect(euro).toMatchObject({ ticker: "C:EURUSD", type: "fx", name: "Euro - United States Dollar" });
    expect(euro.market_status).toBe("open");
    expect(Object.keys(euro.last_quote).sort()).toEqual([
      "ask",
      "bid",
      "exchange",
      "last_updated",
      "timeframe",
    ]);
    expect(euro.last_trade).toBeUndefined();
    expect(Object.keys(euro.session)).toEqual(
      expect.arrayContaining(["open", "high", "low", "close", "previous_close", "change", "change_percent"]),
    );
    expect(bitcoin).toMatchObject({ ticker: "X:BTCUSD", type: "crypto" });
    expect(bitcoin.last_quote).toBeUndefined();
    expect(bitcoin.last_trade.price).toBeGreaterThan(50_000);
    expect(unknown).toEqual({ ticker: "C:FOOBAR", error: "NOT_FOUND", message: "Ticker not found." });
    expect(text).toMatch(/"last_updated":\d{19},/);
    expect(text).toMatch(/"participant_timestamp":\d{19},/);
    expect(json.next_url).toBeUndefined();
  });

  it("pages by limit (default 10), with a next_url that carries the query and never the key", async () => {
    const base = await start();

    const everything = await get(base, "/v3/snapshot");
    const first = await get(base, `/v3/snapshot?limit=4&type=fx&apiKey=${KEY}`, null);
    const next = new URL(first.json.next_url);
    const rest = await get(base, next.pathname + next.search);

    // The sandbox knows 9 tickers: one default page of 10 holds them all, sorted.
    expect(everything.json.results).toHaveLength(9);
    expect(everything.json.results[0].ticker).toBe("C:AUDUSD");
    expect(everything.json.next_url).toBeUndefined();
    expect(first.json.results.map((item: Json) => item.type)).toEqual(["fx", "fx", "fx", "fx"]);
    expect(first.json.next_url).toMatch(new RegExp(`^${base.url}/v3/snapshot\\?cursor=[\\w-]+$`));
    expect(first.json.next_url).not.toContain(KEY);
    expect(rest.json.results.map((item: Json) => item.type)).toEqual(["fx", "fx", "fx"]);
    expect(rest.json.next_url).toBeUndefined();
  });

  it("caps pages at maxV3PageSize, whatever limit asks", async () => {
    const base = await start({ maxV3PageSize: 2 });

    const { json } = await get(base, "/v3/snapshot?ticker.any_of=C:XAUUSD,C:EURUSD,X:BTCUSD&limit=250");

    expect(json.results.map((item: Json) => item.ticker)).toEqual(["C:XAUUSD", "C:EURUSD"]);
    const next = new URL(json.next_url);
    const rest = await get(base, next.pathname + next.search);
    expect(rest.json.results.map((item: Json) => item.ticker)).toEqual(["X:BTCUSD"]);
  });

  it.each([
    ["more than 250 tickers", `ticker.any_of=${Array.from({ length: 251 }, (_, i) => `C:T${i}`).join(",")}`],
    ["a limit above 250", "limit=251"],
    ["a limit of 0", "limit=0"],
    ["a bad cursor", "cursor=not-a-cursor"],
  ])("answers 400 with an ERROR body for %s", async (_case, query) => {
    const base = await start();

    const { status, json } = await get(base, `/v3/snapshot?${query}`);

    expect(status).toBe(400);
    expect(json).toEqual({ status: "ERROR", request_id: expect.any(String), error: expect.any(String) });
  });
});

describe("sandbox previous-day bars", () => {
  it("serves the bar to a free key, `t` the last ms of yesterday (UTC)", async () => {
    const now = Date.UTC(2025, 0, 13, 15, 0, 0);
    const base = await start({ now: () => now });

    const { status, json } = await get(base, "/v2/aggs/ticker/C:EURUSD/prev", FREE);

    expect(status).toBe(200);
    expect(json).toMatchObject({
      status: "OK",
      ticker: "C:EURUSD",
      adjusted: true,
      queryCount: 1,
      resultsCount: 1,
    });
    const [bar] = json.results;
    expect(Object.keys(bar).sort()).toEqual(["T", "c", "h", "l", "n", "o", "t", "v", "vw"]);
    expect(bar.T).toBe("C:EURUSD");
    expect(bar.t).toBe(Date.UTC(2025, 0, 12, 23, 59, 59, 999));
    expect(bar.c).toBeGreaterThan(0.9);
    expect(bar.h).toBeGreaterThanOrEqual(bar.l);
  });

  it("answers an unknown ticker with 200 and no results", async () => {
    const base = await start();

    const { status, json } = await get(base, "/v2/aggs/ticker/C%3AFOOBAR/prev");

    expect(status).toBe(200);
    expect(json).toMatchObject({ ticker: "C:FOOBAR", queryCount: 0, resultsCount: 0 });
    expect(json.results).toBeUndefined();
  });

  it.each([
    ["multi-ticker", `${FOREX_PATH}?tickers=C:EURUSD`],
    ["universal", "/v3/snapshot?ticker.any_of=C:EURUSD"],
  ])("gives a free key the live 403 on the %s snapshot", async (_case, path) => {
    const base = await start();

    const { status, json } = await get(base, path, FREE);

    expect(status).toBe(403);
    expect(json.status).toBe("NOT_AUTHORIZED");
  });
});

describe("sandbox faults", () => {
  it("5xx: answers nginx's HTML page, and spends the budget", async () => {
    const base = await start({ keys: [{ key: KEY, plan: "paid", limit: 1, windowMs: 60_000 }] });
    base.faults.set({ kind: "5xx", count: 1 });

    const failed = await get(base, `${FOREX_PATH}/C:EURUSD`);
    const after = await get(base, `${FOREX_PATH}/C:EURUSD`);

    expect(failed.status).toBe(502);
    expect(failed.headers.get("content-type")).toBe("text/html");
    expect(failed.text).toContain("502 Bad Gateway");
    expect(after.status).toBe(429);
    expect(base.requestLog.map((entry) => entry.faults)).toEqual([["5xx"], []]);
  });

  it("empty429 and 429: refuse without spending the budget, with Retry-After only when asked", async () => {
    const base = await start({ keys: [{ key: KEY, plan: "paid", limit: 1, windowMs: 60_000 }] });
    base.faults.set({ kind: "empty429", count: 1 }, { kind: "429", count: 1, retryAfterSeconds: 9 });

    const empty = await get(base, `${FOREX_PATH}/C:EURUSD`);
    const withHeader = await get(base, `${FOREX_PATH}/C:EURUSD`);
    const served = await get(base, `${FOREX_PATH}/C:EURUSD`);

    expect(empty.status).toBe(429);
    expect(empty.text).toBe("");
    expect(empty.headers.get("retry-after")).toBeNull();
    expect(withHeader.status).toBe(429);
    expect(withHeader.json.error).toContain("exceeded the maximum requests per minute");
    expect(withHeader.headers.get("retry-after")).toBe("9");
    expect(served.status).toBe(200);
  });

  it("malformed: a 200 whose JSON is cut off", async () => {
    const base = await start();
    base.faults.set({ kind: "malformed" });

    const { status, text, json } = await get(base, `${FOREX_PATH}/C:EURUSD`);

    expect(status).toBe(200);
    expect(text.startsWith('{"status":"OK"')).toBe(true);
    expect(json).toBeUndefined();
  });

  it("slow: holds the answer back for delayMs", async () => {
    const base = await start();
    base.faults.set({ kind: "slow", delayMs: 300, tickers: ["C:EURUSD"] });
    const startedAt = Date.now();

    const slow = await get(base, `${FOREX_PATH}/C:EURUSD`);
    const slowAfter = Date.now() - startedAt;
    const quick = await get(base, `${FOREX_PATH}/C:XAUUSD`);

    expect(slow.status).toBe(200);
    expect(slowAfter).toBeGreaterThanOrEqual(290);
    expect(quick.status).toBe(200);
    expect(Date.now() - startedAt - slowAfter).toBeLessThan(250);
  });

  it("item faults change only the named tickers inside a multi-ticker answer", async () => {
    const base = await start();
    base.faults.set(
      { kind: "crossed", tickers: ["C:EURUSD"] },
      { kind: "weekendStale", tickers: ["C:EURUSD"] },
    );

    const { json } = await get(base, `${FOREX_PATH}?tickers=C:XAUUSD,C:EURUSD`);
    const [gold, euro] = json.tickers;

    expect(gold.lastQuote.b).toBeLessThan(gold.lastQuote.a);
    expect(euro.lastQuote.b).toBeGreaterThan(euro.lastQuote.a);
    expect(new Date(euro.lastQuote.t).getUTCDay()).toBe(5);
    expect(base.requestLog[0]?.faults.sort()).toEqual(["crossed", "weekendStale"]);
  });

  it("weekendStale marks the v3 fx market closed; dayReset zeroes the day bar", async () => {
    const base = await start();
    base.faults.set(
      { kind: "weekendStale", tickers: ["C:EURUSD"] },
      { kind: "dayReset", tickers: ["C:XAUUSD"] },
    );

    const { json } = await get(base, "/v3/snapshot?ticker.any_of=C:EURUSD,C:XAUUSD");
    const [euro, gold] = json.results;

    expect(euro.market_status).toBe("closed");
    expect(gold.market_status).toBe("open");
    expect(gold.session).toMatchObject({ open: 0, high: 0, low: 0, close: 0, volume: 0 });
  });
});
