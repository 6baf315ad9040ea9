import { afterEach, describe, expect, it } from "vitest";
import { type Sandbox, type SandboxOptions, startSandbox } from "../../../src/providers/sandbox/server.js";

const KEY = "sandbox-test-key-31ad";
const FOREX_PATH = "/v2/snapshot/locale/global/markets/forex/tickers";
const CRYPTO_PATH = "/v2/snapshot/locale/global/markets/crypto/tickers";

let sandbox: Sandbox | undefined;
afterEach(async () => {
  await sandbox?.close();
  sandbox = undefined;
});

async function start(options: SandboxOptions = {}): Promise<Sandbox> {
  sandbox = await startSandbox({
    keys: [{ key: KEY, plan: "paid", limit: 100, windowMs: 60_000 }],
    ...options,
  });
  return sandbox;
}

/** The fields these tests read from a sandbox answer. */
interface PolygonBody {
  status: string;
  request_id: string;
  error?: string;
  message?: string;
  ticker: {
    ticker: string;
    day: Record<string, number>;
    lastQuote?: Record<string, number>;
    lastTrade?: { c: number[]; i: unknown; p: number; x: number };
  };
}

async function get(base: Sandbox, path: string, key: string | null = KEY) {
  const response = await fetch(`${base.url}${path}`, {
    headers: key === null ? {} : { authorization: `Bearer ${key}` },
  });
  const text = await response.text();
  const json: PolygonBody = JSON.parse(text);
  return { status: response.status, headers: response.headers, text, json };
}

describe("sandbox v2 single-ticker snapshots", () => {
  it("serves a forex snapshot in the live shape: lastQuote, no lastTrade, ns `updated`", async () => {
    const base = await start();

    const { status, headers, text, json } = await get(base, `${FOREX_PATH}/C:EURUSD`);

    expect(status).toBe(200);
    expect(headers.get("content-type")).toBe("application/json");
    expect(json.request_id).toMatch(/^[0-9a-f]{32}$/);
    expect(headers.get("x-request-id")).toBe(json.request_id);
    expect(json.status).toBe("OK");
    expect(json.ticker.ticker).toBe("C:EURUSD");
    expect(text).toMatch(/"updated":\d{19},/);
    expect(Object.keys(json.ticker.lastQuote ?? {}).sort()).toEqual(["a", "b", "t", "x"]);
    expect(json.ticker.lastQuote?.t).toBeGreaterThan(1e12);
    expect(json.ticker.lastQuote?.t).toBeLessThan(1e13);
    expect(json.ticker.lastTrade).toBeUndefined();
    expect(Object.keys(json.ticker.day).sort()).toEqual(["c", "h", "l", "o", "v"]);
  });

  it("serves a crypto snapshot with lastTrade and no lastQuote", async () => {
    const base = await start();

    const { status, json } = await get(base, `${CRYPTO_PATH}/X:BTCUSD`);

    expect(status).toBe(200);
    expect(json.ticker.lastQuote).toBeUndefined();
    expect(json.ticker.lastTrade).toMatchObject({ c: [1], x: 1 });
    expect(typeof json.ticker.lastTrade?.i).toBe("string");
    expect(json.ticker.lastTrade?.p).toBeGreaterThan(50_000);
    expect(json.ticker.day.vw).toBeGreaterThan(0);
  });

  it("accepts the ticker percent-encoded", async () => {
    const base = await start();

    const { status, json } = await get(base, `${FOREX_PATH}/C%3AXAUUSD`);

    expect(status).toBe(200);
    expect(json.ticker.ticker).toBe("C:XAUUSD");
  });

  it.each([
    ["an unknown ticker", `${FOREX_PATH}/C:FOOBAR`],
    ["a crypto ticker on the forex path", `${FOREX_PATH}/X:BTCUSD`],
    ["a ticker without its prefix", `${FOREX_PATH}/EURUSD`],
  ])("answers 404 NOT_FOUND for %s", async (_case, path) => {
    const base = await start();

    const { status, json } = await get(base, path);

    expect(status).toBe(404);
    expect(json).toEqual({
      status: "NOT_FOUND",
      request_id: expect.any(String),
      message: "Ticker not found.",
    });
  });

  it("answers 404 JSON for an unknown path", async () => {
    const base = await start();

    const { status, json } = await get(base, "/v9/nothing");

    expect(status).toBe(404);
    expect(json.status).toBe("NOT_FOUND");
  });
});

describe("sandbox auth", () => {
  it("accepts the key as the apiKey query parameter", async () => {
    const base = await start();

    const { status } = await get(base, `${FOREX_PATH}/C:EURUSD?apiKey=${KEY}`, null);

    expect(status).toBe(200);
  });

  it("reads the Bearer header before the query parameter", async () => {
    const base = await start();

    const { status, json } = await get(base, `${FOREX_PATH}/C:EURUSD?apiKey=${KEY}`, "not-a-key");

    expect(status).toBe(401);
    expect(json.error).toBe("Unknown API Key");
  });

  it("answers 401 'API Key was not provided' without a key", async () => {
    const base = await start();

    const { status, json } = await get(base, `${FOREX_PATH}/C:EURUSD`, null);

    expect(status).toBe(401);
    expect(json).toEqual({
      status: "ERROR",
      request_id: expect.any(String),
      error: "API Key was not provided",
    });
  });

  it("answers 403 NOT_AUTHORIZED to a free-plan key", async () => {
    const base = await start({ keys: [{ key: KEY, plan: "free", limit: 5, windowMs: 60_000 }] });

    const { status, json } = await get(base, `${FOREX_PATH}/C:EURUSD`);

    expect(status).toBe(403);
    expect(json).toEqual({
      status: "NOT_AUTHORIZED",
      request_id: expect.any(String),
      message: "You are not entitled to this data. Please upgrade your plan at https://massive.com/pricing",
    });
  });
});

describe("sandbox budget", () => {
  it("answers 429 with the live body once the key's window is full, and serves again when it slides", async () => {
    let now = Date.UTC(2025, 0, 13, 12, 0, 0);
    const base = await start({
      keys: [{ key: KEY, plan: "paid", limit: 2, windowMs: 60_000 }],
      now: () => now,
    });

    const first = await get(base, `${FOREX_PATH}/C:EURUSD`);
    now += 10_000;
    await get(base, `${FOREX_PATH}/C:EURUSD`);
    const refused = await get(base, `${FOREX_PATH}/C:EURUSD`);
    now += 50_000;
    const afterSlide = await get(base, `${FOREX_PATH}/C:EURUSD`);

    expect(first.status).toBe(200);
    expect(refused.status).toBe(429);
    expect(refused.json).toEqual({
      status: "ERROR",
      request_id: expect.any(String),
      error:
        "You've exceeded the maximum requests per minute, please wait or upgrade your subscription to continue. https://massive.com/pricing",
    });
    expect(refused.headers.get("retry-after")).toBeNull();
    expect(afterSlide.status).toBe(200);
    expect(afterSlide.json.ticker.lastQuote?.t).toBe(now);
  });

  it("logs every request with its time, key and status", async () => {
    const base = await start({ now: () => 1_736_784_061_000 });

    await get(base, `${FOREX_PATH}/C:EURUSD`);
    await get(base, `${FOREX_PATH}/C:EURUSD`, null);

    expect(base.requestLog).toEqual([
      {
        at: 1_736_784_061_000,
        method: "GET",
        path: `${FOREX_PATH}/C:EURUSD`,
        key: KEY,
        status: 200,
        faults: [],
      },
      {
        at: 1_736_784_061_000,
        method: "GET",
        path: `${FOREX_PATH}/C:EURUSD`,
        key: null,
        status: 401,
        faults: [],
      },
    ]);
  });
});
