/** PolygonClient in each fetch mode against the sandbox, over real HTTP. */
import { describe, expect, it } from "vitest";
import type { FetchMode } from "../../../src/config/settings.js";
import {
  BTCUSD,
  CRITICAL,
  cleanUpAfterEach,
  clientFor,
  ETHUSDT,
  EURUSD,
  FOOBAR,
  FREE_KEY,
  failureOf,
  GBPUSD,
  instantBudget,
  MODES,
  newUsage,
  PAID_KEY,
  requestsOf,
  SNAPSHOT_MODES,
  sandboxWithKeys,
  snapshotOf,
  XAUUSD,
} from "./support.js";

cleanUpAfterEach();

const FOREX_TICKERS = "/v2/snapshot/locale/global/markets/forex/tickers";
const CRYPTO_TICKERS = "/v2/snapshot/locale/global/markets/crypto/tickers";

/** Calls one priority batch of the spec's catalog (2 forex + 1 crypto) spends in each mode. */
const CALLS_PER_PRIORITY_BATCH: Record<FetchMode, number> = { single: 3, multi: 2, universal: 1, prev: 3 };

describe("calls per priority batch (XAUUSD, EURUSD, BTCUSD)", () => {
  it.each(MODES)("mode %s", async (mode) => {
    const sandbox = await sandboxWithKeys();
    const budget = instantBudget();
    const client = clientFor({ baseUrl: sandbox.url, mode, budget });
    const usage = newUsage();

    const outcomes = await client.fetchSnapshots(CRITICAL, { usage });

    expect(outcomes.map((outcome) => [outcome.symbol, outcome.ok])).toEqual([
      ["XAUUSD", true],
      ["EURUSD", true],
      ["BTCUSD", true],
    ]);
    expect(usage.calls).toBe(CALLS_PER_PRIORITY_BATCH[mode]);
    expect(budget.acquired).toBe(CALLS_PER_PRIORITY_BATCH[mode]);
    expect(sandbox.requestLog).toHaveLength(CALLS_PER_PRIORITY_BATCH[mode]);
    expect(
      sandbox.requestLog.every((entry) => entry.key === PAID_KEY && !entry.path.includes(PAID_KEY)),
    ).toBe(true);
  });
});

describe("mode multi", () => {
  it("asks once per asset class with comma-joined tickers, and reads plausible prices", async () => {
    const sandbox = await sandboxWithKeys();
    const client = clientFor({ baseUrl: sandbox.url, mode: "multi" });
    const before = Date.now();

    const [gold, euro, bitcoin] = (await client.fetchSnapshots(CRITICAL, { usage: newUsage() })).map(
      snapshotOf,
    );

    expect(requestsOf(sandbox)).toEqual([
      { path: `${FOREX_TICKERS}?tickers=C:XAUUSD,C:EURUSD`, status: 200 },
      { path: `${CRYPTO_TICKERS}?tickers=X:BTCUSD`, status: 200 },
    ]);
    expect(gold?.lastPrice).toBeGreaterThan(2000);
    expect(gold?.ask).toBeGreaterThan(gold?.bid ?? Number.POSITIVE_INFINITY);
    expect(euro?.lastPrice).toBeGreaterThan(0.9);
    expect(bitcoin?.lastPrice).toBeGreaterThan(50_000);
    expect(bitcoin?.spread).toBe(0);
    expect(euro?.timestamp.getTime()).toBeGreaterThanOrEqual(before);
  });

  it("keeps the caller's order across classes and reports a ticker left out of the answer as not_found", async () => {
    const sandbox = await sandboxWithKeys();
    const client = clientFor({ baseUrl: sandbox.url, mode: "multi" });
    const usage = newUsage();

    const outcomes = await client.fetchSnapshots([BTCUSD, FOOBAR, XAUUSD, ETHUSDT, GBPUSD], { usage });

    expect(outcomes.map((outcome) => outcome.symbol)).toEqual([
      "BTCUSD",
      "FOOBAR",
      "XAUUSD",
      "ETHUSDT",
      "GBPUSD",
    ]);
    expect(outcomes.map((outcome) => outcome.ok)).toEqual([true, false, true, true, true]);
    expect(failureOf(outcomes[1])).toMatchObject({ kind: "not_found" });
    expect(failureOf(outcomes[1]).message).toBe(
      "Polygon does not know ticker C:FOOBAR (not in the forex multi-ticker snapshot)",
    );
    expect(usage.calls).toBe(2);
    expect(requestsOf(sandbox).map((request) => request.path)).toEqual([
      `${CRYPTO_TICKERS}?tickers=X:BTCUSD,X:ETHUSDT`,
      `${FOREX_TICKERS}?tickers=C:FOOBAR,C:XAUUSD,C:GBPUSD`,
    ]);
  });
});

describe("mode universal", () => {
  it("asks /v3/snapshot once for forex and crypto together, limit 250", async () => {
    const sandbox = await sandboxWithKeys();
    const client = clientFor({ baseUrl: sandbox.url, mode: "universal" });

    const [gold, euro, bitcoin] = (await client.fetchSnapshots(CRITICAL, { usage: newUsage() })).map(
      snapshotOf,
    );

    expect(requestsOf(sandbox)).toEqual([
      { path: "/v3/snapshot?ticker.any_of=C:XAUUSD,C:EURUSD,X:BTCUSD&limit=250", status: 200 },
    ]);
    expect(gold?.lastPrice).toBeGreaterThan(2000);
    expect(gold?.dailyOpen).toBeGreaterThan(2000);
    expect(euro?.bid).toBeLessThan(euro?.ask ?? 0);
    expect(bitcoin?.lastPrice).toBeGreaterThan(50_000);
  });

  it("reports the per-item NOT_FOUND as not_found for that asset only", async () => {
    const sandbox = await sandboxWithKeys();
    const client = clientFor({ baseUrl: sandbox.url, mode: "universal" });

    const [unknown, gold] = await client.fetchSnapshots([FOOBAR, XAUUSD], { usage: newUsage() });

    expect(failureOf(unknown)).toMatchObject({
      kind: "not_found",
      message: "Polygon does not know ticker C:FOOBAR (NOT_FOUND: Ticker not found.)",
    });
    expect(gold?.ok).toBe(true);
  });

  it("follows next_url with the Bearer key, never in the URL, spending one token per page", async () => {
    const sandbox = await sandboxWithKeys(100, { maxV3PageSize: 2 });
    const budget = instantBudget();
    const client = clientFor({ baseUrl: sandbox.url, mode: "universal", budget });
    const usage = newUsage();
    const assets = [XAUUSD, EURUSD, BTCUSD, ETHUSDT, GBPUSD];

    const outcomes = await client.fetchSnapshots(assets, { usage });

    expect(outcomes.every((outcome) => outcome.ok)).toBe(true);
    expect(usage.calls).toBe(3);
    expect(budget.acquired).toBe(3);
    const paths = requestsOf(sandbox).map((request) => request.path);
    expect(paths[0]).toBe(
      "/v3/snapshot?ticker.any_of=C:XAUUSD,C:EURUSD,X:BTCUSD,X:ETHUSDT,C:GBPUSD&limit=250",
    );
    expect(paths.slice(1)).toEqual([
      expect.stringMatching(/^\/v3\/snapshot\?cursor=[\w-]+$/),
      expect.stringMatching(/^\/v3\/snapshot\?cursor=[\w-]+$/),
    ]);
    expect(
      sandbox.requestLog.every((entry) => entry.key === PAID_KEY && !entry.path.includes("apiKey")),
    ).toBe(true);
  });
});

describe("mode prev (free plan)", () => {
  it("reads the previous-day bar with a free key: the close is bid, ask and last, spread 0", async () => {
    const sandbox = await sandboxWithKeys();
    const client = clientFor({ baseUrl: sandbox.url, mode: "prev", apiKey: FREE_KEY });
    const endOfYesterday = new Date(new Date().setUTCHours(0, 0, 0, 0) - 1);

    const outcomes = await client.fetchSnapshots(CRITICAL, { usage: newUsage() });

    expect(requestsOf(sandbox)).toEqual([
      { path: "/v2/aggs/ticker/C:XAUUSD/prev", status: 200 },
      { path: "/v2/aggs/ticker/C:EURUSD/prev", status: 200 },
      { path: "/v2/aggs/ticker/X:BTCUSD/prev", status: 200 },
    ]);
    for (const snapshot of outcomes.map(snapshotOf)) {
      expect(snapshot.bid).toBe(snapshot.lastPrice);
      expect(snapshot.ask).toBe(snapshot.lastPrice);
      expect(snapshot.spread).toBe(0);
      expect(snapshot.dailyClose).toBe(snapshot.lastPrice);
      expect(snapshot.dailyHigh).toBeGreaterThanOrEqual(snapshot.dailyLow ?? Number.POSITIVE_INFINITY);
      expect(snapshot.timestamp).toEqual(endOfYesterday);
    }
    expect(snapshotOf(outcomes[0]).lastPrice).toBeGreaterThan(2000);
  });

  it("reports an unknown ticker (a 200 without a bar) as not_found", async () => {
    const sandbox = await sandboxWithKeys();
    const client = clientFor({ baseUrl: sandbox.url, mode: "prev" });

    const [outcome] = await client.fetchSnapshots([FOOBAR], { usage: newUsage() });

    expect(failureOf(outcome)).toMatchObject({ kind: "not_found" });
    expect(failureOf(outcome).message).toContain("no previous-day bar for ticker C:FOOBAR");
  });
});

describe("a free-plan key in a snapshot mode", () => {
  it.each(SNAPSHOT_MODES)(
    "mode %s: not_entitled for every asset after one call, naming POLYGON_FETCH_MODE=prev",
    async (mode) => {
      const sandbox = await sandboxWithKeys();
      const client = clientFor({ baseUrl: sandbox.url, mode, apiKey: FREE_KEY });
      const usage = newUsage();

      const outcomes = await client.fetchSnapshots(CRITICAL, { usage });

      for (const outcome of outcomes) {
        expect(failureOf(outcome)).toMatchObject({ kind: "not_entitled", httpStatus: 403 });
        expect(failureOf(outcome).message).toContain("free-plan keys need POLYGON_FETCH_MODE=prev");
        expect(failureOf(outcome).message).not.toContain(FREE_KEY);
      }
      expect(usage.calls).toBe(1);
      expect(requestsOf(sandbox).map((request) => request.status)).toEqual([403]);
    },
  );
});

describe("a wrong key", () => {
  it.each(MODES)("mode %s: unauthorized for every asset after one call", async (mode) => {
    const sandbox = await sandboxWithKeys();
    const wrongKey = "wrong-key-5e0f13";
    const client = clientFor({ baseUrl: sandbox.url, mode, apiKey: wrongKey });
    const usage = newUsage();

    const outcomes = await client.fetchSnapshots(CRITICAL, { usage });

    for (const outcome of outcomes) {
      expect(failureOf(outcome)).toMatchObject({ kind: "unauthorized", httpStatus: 401 });
      expect(failureOf(outcome).message).toBe(
        "Polygon rejected POLYGON_API_KEY (HTTP 401: Unknown API Key); check the key",
      );
    }
    expect(usage.calls).toBe(1);
  });
});

describe("PolygonClient options", () => {
  it("refuses an unknown mode", async () => {
    expect(() => clientFor({ baseUrl: "http://127.0.0.1:1", mode: "bulk" as FetchMode })).toThrow(
      'unknown Polygon fetch mode "bulk"',
    );
  });

  it("makes no call for no assets", async () => {
    const sandbox = await sandboxWithKeys();
    const usage = newUsage();

    for (const mode of MODES) {
      expect(await clientFor({ baseUrl: sandbox.url, mode }).fetchSnapshots([], { usage })).toEqual([]);
    }
    expect(usage.calls).toBe(0);
  });
});
