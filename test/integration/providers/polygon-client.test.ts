import { describe, expect, it } from "vitest";
import {
  BTCUSD,
  cleanUpAfterEach,
  clientFor,
  closeServer,
  EURUSD,
  FOOBAR,
  FREE_KEY,
  failureOf,
  instantBudget,
  newUsage,
  PAID_KEY,
  recordingLogger,
  sandboxWithKeys,
  startServer,
  XAUUSD,
} from "./support.js";

cleanUpAfterEach();

describe("PolygonClient against the sandbox (mode single)", () => {
  it("fetches gold, euro and bitcoin at plausible prices, one budgeted call each", async () => {
    const sandbox = await sandboxWithKeys();
    const budget = instantBudget();
    const logger = recordingLogger();
    const client = clientFor({ baseUrl: sandbox.url, budget, logger });
    const usage = newUsage();
    const before = Date.now();

    const outcomes = await client.fetchSnapshots([XAUUSD, EURUSD, BTCUSD], { usage });

    const snapshots = outcomes.map((outcome) => {
      if (!outcome.ok) throw outcome.error;
      return outcome.snapshot;
    });
    expect(snapshots.map((snapshot) => snapshot.symbol)).toEqual(["XAUUSD", "EURUSD", "BTCUSD"]);
    const [gold, euro, bitcoin] = snapshots;
    expect(gold?.lastPrice).toBeGreaterThan(2000);
    expect(gold?.lastPrice).toBeLessThan(3500);
    expect(euro?.lastPrice).toBeGreaterThan(0.9);
    expect(euro?.lastPrice).toBeLessThan(1.3);
    expect(bitcoin?.lastPrice).toBeGreaterThan(50_000);
    expect(bitcoin?.lastPrice).toBeLessThan(150_000);
    for (const snapshot of snapshots) {
      expect(snapshot.bid).toBeLessThanOrEqual(snapshot.ask);
      expect(snapshot.spread).toBeCloseTo(snapshot.ask - snapshot.bid, 10);
      expect(snapshot.source).toBe("polygon");
      expect(snapshot.timestamp.getTime()).toBeGreaterThanOrEqual(before);
      expect(snapshot.timestamp.getTime()).toBeLessThanOrEqual(Date.now());
    }
    expect(gold?.ask).toBeGreaterThan(gold?.bid ?? Number.POSITIVE_INFINITY);
    expect(usage).toEqual({ calls: 3, waits: 0 });
    expect(budget.acquired).toBe(3);
    expect(sandbox.requestLog.map(({ method, path, status }) => ({ method, path, status }))).toEqual([
      { method: "GET", path: "/v2/snapshot/locale/global/markets/forex/tickers/C:XAUUSD", status: 200 },
      { method: "GET", path: "/v2/snapshot/locale/global/markets/forex/tickers/C:EURUSD", status: 200 },
      { method: "GET", path: "/v2/snapshot/locale/global/markets/crypto/tickers/X:BTCUSD", status: 200 },
    ]);
    // The key went in the Authorization header, never in a URL, and stayed out of the logs.
    expect(sandbox.requestLog.every((entry) => entry.key === PAID_KEY)).toBe(true);
    expect(logger.entries).toHaveLength(3);
    expect(JSON.stringify(logger.entries)).not.toContain(PAID_KEY);
  });

  it("counts a budget wait for each call the budget made wait", async () => {
    const sandbox = await sandboxWithKeys();
    const client = clientFor({ baseUrl: sandbox.url, budget: instantBudget(250) });
    const usage = newUsage();

    await client.fetchSnapshots([XAUUSD, BTCUSD], { usage });

    expect(usage).toEqual({ calls: 2, waits: 2 });
  });

  it("reports an unknown ticker as not_found and still fetches the others", async () => {
    const sandbox = await sandboxWithKeys();
    const client = clientFor({ baseUrl: sandbox.url });
    const usage = newUsage();

    const [unknown, gold] = await client.fetchSnapshots([FOOBAR, XAUUSD], { usage });

    expect(failureOf(unknown)).toMatchObject({ kind: "not_found", httpStatus: 404 });
    expect(failureOf(unknown).message).toContain("C:FOOBAR");
    expect(gold?.ok).toBe(true);
    expect(usage.calls).toBe(2);
  });

  it("reports a wrong key as unauthorized without repeating the key", async () => {
    const sandbox = await sandboxWithKeys();
    const wrongKey = "wrong-key-5e0f13";
    const client = clientFor({ baseUrl: sandbox.url, apiKey: wrongKey });

    const [outcome] = await client.fetchSnapshots([XAUUSD], { usage: newUsage() });

    const error = failureOf(outcome);
    expect(error).toMatchObject({ kind: "unauthorized", httpStatus: 401 });
    expect(error.message).toContain("POLYGON_API_KEY");
    expect(error.message).toContain("Unknown API Key");
    expect(error.message).not.toContain(wrongKey);
    expect(sandbox.requestLog.some((entry) => entry.path.includes(wrongKey))).toBe(false);
  });

  it("redacts the key when a provider error text echoes it back", async () => {
    const echoing = await startServer((request, response) => {
      response.writeHead(401, { "content-type": "application/json" });
      response.end(
        JSON.stringify({ status: "ERROR", error: `bad header: ${request.headers.authorization}` }),
      );
    });
    const client = clientFor({ baseUrl: echoing.url });

    const [outcome] = await client.fetchSnapshots([XAUUSD], { usage: newUsage() });

    expect(failureOf(outcome).message).toContain("bad header: Bearer [redacted]");
    expect(failureOf(outcome).message).not.toContain(PAID_KEY);
  });

  it("reports a free-plan key as not_entitled, pointing at POLYGON_FETCH_MODE=prev", async () => {
    const sandbox = await sandboxWithKeys();
    const client = clientFor({ baseUrl: sandbox.url, apiKey: FREE_KEY });

    const [outcome] = await client.fetchSnapshots([EURUSD], { usage: newUsage() });

    const error = failureOf(outcome);
    expect(error).toMatchObject({ kind: "not_entitled", httpStatus: 403 });
    expect(error.message).toContain("POLYGON_FETCH_MODE=prev");
    expect(error.message).not.toContain(FREE_KEY);
  });

  it("reports the call beyond the sandbox budget as rate_limited (HTTP 429)", async () => {
    const sandbox = await sandboxWithKeys(2);
    const client = clientFor({ baseUrl: sandbox.url });
    const usage = newUsage();

    const outcomes = await client.fetchSnapshots([XAUUSD, EURUSD, BTCUSD], { usage });

    expect(outcomes.map((outcome) => outcome.ok)).toEqual([true, true, false]);
    expect(failureOf(outcomes[2])).toMatchObject({ kind: "rate_limited", httpStatus: 429 });
    expect(failureOf(outcomes[2]).message).toContain("exceeded the maximum requests per minute");
    expect(sandbox.requestLog.map((entry) => entry.status)).toEqual([200, 200, 429]);
    expect(usage.calls).toBe(3);
  });
});

describe("PolygonClient transport failures", () => {
  it("reports a provider that never answers as transient after requestTimeoutMs", async () => {
    const silent = await startServer();
    const client = clientFor({ baseUrl: silent.url, requestTimeoutMs: 200 });
    const startedAt = Date.now();

    const [outcome] = await client.fetchSnapshots([XAUUSD], { usage: newUsage() });

    const error = failureOf(outcome);
    expect(error.kind).toBe("transient");
    expect(error.message).toContain("did not answer");
    expect(Date.now() - startedAt).toBeLessThan(5_000);
  });

  it("reports a refused connection as transient", async () => {
    const silent = await startServer();
    const { url } = silent;
    await closeServer(silent.server);
    const client = clientFor({ baseUrl: url });

    const [outcome] = await client.fetchSnapshots([XAUUSD], { usage: newUsage() });

    expect(failureOf(outcome)).toMatchObject({ kind: "transient" });
    expect(failureOf(outcome).message).toContain("ECONNREFUSED");
  });

  it("rejects with the abort reason when the signal aborts during a request", async () => {
    const silent = await startServer();
    const client = clientFor({ baseUrl: silent.url, requestTimeoutMs: 10_000 });
    const controller = new AbortController();
    const reason = new Error("batch cancelled");
    setTimeout(() => controller.abort(reason), 100);

    const fetching = client.fetchSnapshots([XAUUSD, EURUSD], {
      signal: controller.signal,
      usage: newUsage(),
    });

    await expect(fetching).rejects.toBe(reason);
  });

  it("rejects before any call when the signal has already aborted", async () => {
    const sandbox = await sandboxWithKeys();
    const client = clientFor({ baseUrl: sandbox.url });
    const usage = newUsage();

    const fetching = client.fetchSnapshots([XAUUSD], { signal: AbortSignal.abort(), usage });

    await expect(fetching).rejects.toMatchObject({ name: "AbortError" });
    expect(usage.calls).toBe(0);
    expect(sandbox.requestLog).toEqual([]);
  });
});
