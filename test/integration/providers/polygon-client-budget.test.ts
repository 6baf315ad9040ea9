/**
 * The client and the call budget: 429 handling (blockUntil, Retry-After), pre-paid tokens, budget
 * waits cut short, tokens per v3 page; and the key, which must never reach an error or a log.
 */
import type { IncomingMessage, ServerResponse } from "node:http";
import { describe, expect, it } from "vitest";
import { RateLimiter } from "../../../src/providers/rate-limiter.js";
import { FakeClock } from "../../support/fakes.js";
import {
  BTCUSD,
  CRITICAL,
  cleanUpAfterEach,
  clientFor,
  EURUSD,
  failureOf,
  instantBudget,
  MODES,
  newUsage,
  PAID_KEY,
  recordingLogger,
  sandboxWithKeys,
  startServer,
  XAUUSD,
} from "./support.js";

cleanUpAfterEach();

interface Scripted {
  status: number;
  body: string;
  headers?: Record<string, string>;
}

/** A server answering each request with `script(request, index)`; it records the paths asked. */
async function scriptedServer(script: (request: IncomingMessage, index: number) => Scripted) {
  const paths: string[] = [];
  const { url } = await startServer((request: IncomingMessage, response: ServerResponse) => {
    paths.push(request.url ?? "");
    const answer = script(request, paths.length - 1);
    response.writeHead(answer.status, { "content-type": "application/json", ...answer.headers });
    response.end(answer.body);
  });
  return { url, paths };
}

const fxItem = (ticker: string) =>
  `{"ticker":"${ticker}","type":"fx","last_quote":{"ask":1.1,"bid":1.0,"last_updated":1736784061000000000}}`;

describe("a 429 pauses the budget", () => {
  it("blocks the real limiter for rateLimitBackoffMs when the answer has no Retry-After", async () => {
    const sandbox = await sandboxWithKeys(1);
    const clock = new FakeClock();
    const limiter = new RateLimiter({ limit: 10, windowSeconds: 60, clock });
    const client = clientFor({ baseUrl: sandbox.url, budget: limiter, clock, rateLimitBackoffMs: 45_000 });

    const [first] = await client.fetchSnapshots([XAUUSD], { usage: newUsage() });
    const [refused] = await client.fetchSnapshots([XAUUSD], { usage: newUsage() });

    expect(first?.ok).toBe(true);
    expect(failureOf(refused)).toMatchObject({ kind: "rate_limited", httpStatus: 429 });
    expect(failureOf(refused).message).toContain(
      `no call before ${new Date(clock.now() + 45_000).toISOString()}`,
    );
    expect(limiter.remaining()).toBe(0);
    expect(limiter.stats().resetAt).toEqual(new Date(clock.now() + 45_000));
  });

  it.each([
    ["seconds", "12", 12_000],
    ["an HTTP date", "__DATE+30s__", 30_000],
    ["zero, read as one second", "0", 1_000],
    ["garbage, read as absent", "soon", 60_000],
    ["a day, capped at an hour", "86400", 3_600_000],
  ])("honours Retry-After given as %s", async (_case, header, expectedMs) => {
    const now = Date.UTC(2025, 0, 13, 12, 0, 0);
    const retryAfter = header === "__DATE+30s__" ? new Date(now + 30_000).toUTCString() : header;
    const server = await scriptedServer(() => ({
      status: 429,
      body: "",
      headers: { "retry-after": retryAfter },
    }));
    const budget = instantBudget();
    const client = clientFor({ baseUrl: server.url, budget, clock: { now: () => now } });

    await client.fetchSnapshots([XAUUSD], { usage: newUsage() });

    expect(budget.blocks).toEqual([now + expectedMs]);
  });
});

describe("budget tokens", () => {
  it("uses pre-paid tokens before acquiring any, one per HTTP call", async () => {
    const sandbox = await sandboxWithKeys();
    const budget = instantBudget();
    const client = clientFor({ baseUrl: sandbox.url, budget });
    const options = { usage: newUsage(), prepaidCalls: 2 };

    const outcomes = await client.fetchSnapshots(CRITICAL, options);

    expect(outcomes.every((outcome) => outcome.ok)).toBe(true);
    expect(options.prepaidCalls).toBe(0);
    expect(budget.acquired).toBe(1);
    expect(options.usage.calls).toBe(3);
  });

  it("a pre-paid token covers the single universal call: nothing is acquired", async () => {
    const sandbox = await sandboxWithKeys();
    const budget = instantBudget();
    const client = clientFor({ baseUrl: sandbox.url, budget, mode: "universal" });
    const options = { usage: newUsage(), prepaidCalls: 1 };

    await client.fetchSnapshots(CRITICAL, options);

    expect(budget.acquired).toBe(0);
    expect(options.usage.calls).toBe(1);
  });

  it("reports rate_limited without calling when budgetSignal cuts the wait short", async () => {
    const sandbox = await sandboxWithKeys();
    // No token free right now, and waiting for one is cut short.
    const budget = { ...instantBudget(), tryAcquire: () => false };
    const client = clientFor({ baseUrl: sandbox.url, mode: "multi", budget });
    const usage = newUsage();

    const outcomes = await client.fetchSnapshots(CRITICAL, {
      usage,
      budgetSignal: AbortSignal.abort(new Error("shutting down")),
    });

    for (const outcome of outcomes) {
      expect(failureOf(outcome)).toMatchObject({
        kind: "rate_limited",
        message: "call not made: shutting down",
      });
    }
    expect(usage.calls).toBe(0);
    expect(sandbox.requestLog).toEqual([]);
  });
});

describe("v3 pages", () => {
  it("stops following next_url once every ticker is answered", async () => {
    const server = await scriptedServer(() => ({
      status: 200,
      body: `{"status":"OK","results":[${fxItem("C:XAUUSD")},${fxItem("C:EURUSD")}],"next_url":"https://api.massive.com/v3/snapshot?cursor=more"}`,
    }));
    const budget = instantBudget();
    const client = clientFor({ baseUrl: server.url, mode: "universal", budget });

    const outcomes = await client.fetchSnapshots([XAUUSD, EURUSD], { usage: newUsage() });

    expect(outcomes.every((outcome) => outcome.ok)).toBe(true);
    expect(server.paths).toHaveLength(1);
    expect(budget.acquired).toBe(1);
  });

  it("asks the base host for a next_url on another host, and keeps page 1 when page 2 fails", async () => {
    const server = await scriptedServer((_request, index) =>
      index === 0
        ? {
            status: 200,
            body: `{"status":"OK","results":[${fxItem("C:XAUUSD")}],"next_url":"https://elsewhere.example/v3/snapshot?cursor=p2"}`,
          }
        : { status: 502, body: "<html>bad gateway</html>" },
    );
    const budget = instantBudget();
    const client = clientFor({ baseUrl: server.url, mode: "universal", budget });

    const [gold, euro, bitcoin] = await client.fetchSnapshots(CRITICAL, { usage: newUsage() });

    expect(server.paths).toEqual([
      "/v3/snapshot?ticker.any_of=C:XAUUSD,C:EURUSD,X:BTCUSD&limit=250",
      "/v3/snapshot?cursor=p2",
    ]);
    expect(budget.acquired).toBe(2);
    expect(gold?.ok).toBe(true);
    for (const outcome of [euro, bitcoin]) {
      expect(failureOf(outcome)).toMatchObject({ kind: "transient", httpStatus: 502 });
    }
  });

  it("gives up on a cursor that repeats itself", async () => {
    const server = await scriptedServer(() => ({
      status: 200,
      body: `{"status":"OK","results":[],"next_url":"/v3/snapshot?cursor=same"}`,
    }));
    const client = clientFor({ baseUrl: server.url, mode: "universal" });

    const [outcome] = await client.fetchSnapshots([XAUUSD], { usage: newUsage() });

    expect(failureOf(outcome)).toMatchObject({
      kind: "invalid_response",
      message: "C:XAUUSD: /v3/snapshot pagination did not end after 2 pages",
    });
    expect(server.paths).toHaveLength(2);
  });
});

describe("the API key stays secret", () => {
  /** Echoes the Authorization header (the key) in every answer, whatever the scenario. */
  const SCENARIOS: Array<[string, (echo: string) => Scripted]> = [
    ["401 ERROR", (echo) => ({ status: 401, body: JSON.stringify({ status: "ERROR", error: echo }) })],
    [
      "403 NOT_AUTHORIZED",
      (echo) => ({ status: 403, body: JSON.stringify({ status: "NOT_AUTHORIZED", message: echo }) }),
    ],
    [
      "404 NOT_FOUND",
      (echo) => ({ status: 404, body: JSON.stringify({ status: "NOT_FOUND", message: echo }) }),
    ],
    ["429 ERROR", (echo) => ({ status: 429, body: JSON.stringify({ status: "ERROR", error: echo }) })],
    ["500 ERROR", (echo) => ({ status: 500, body: JSON.stringify({ status: "ERROR", error: echo }) })],
    ["400 ERROR", (echo) => ({ status: 400, body: JSON.stringify({ status: "ERROR", error: echo }) })],
    ["200 non-JSON", (echo) => ({ status: 200, body: `<html>${echo}</html>` })],
    [
      "200 with the key as data",
      (echo) => ({
        status: 200,
        body: JSON.stringify({
          status: "OK",
          ticker: { ticker: echo, lastQuote: { a: 1, b: 2, t: 1 } },
          tickers: [{ ticker: "C:XAUUSD", lastQuote: { a: echo, b: 1 } }],
          results: [
            { ticker: "C:XAUUSD", error: echo, message: echo },
            { T: echo, c: 1, t: 1 },
          ],
          next_url: `/v3/snapshot?cursor=${encodeURIComponent(echo)}&apiKey=${PAID_KEY}`,
        }),
      }),
    ],
  ];

  it.each(SCENARIOS.flatMap(([name, answer]) => MODES.map((mode) => [name, mode, answer] as const)))(
    "%s in mode %s: no error message or log line holds the key",
    async (_name, mode, answer) => {
      const server = await scriptedServer((request) =>
        answer(`echo ${request.headers.authorization} ${PAID_KEY}`),
      );
      const logger = recordingLogger();
      const client = clientFor({ baseUrl: server.url, mode, logger });

      const outcomes = await client.fetchSnapshots([XAUUSD, BTCUSD], { usage: newUsage() });

      const failures = outcomes.filter((outcome) => !outcome.ok).map(failureOf);
      expect(failures.length).toBeGreaterThan(0);
      for (const error of failures) {
        expect(error.message).not.toContain(PAID_KEY);
        expect(String(error.cause ?? "")).not.toContain(PAID_KEY);
      }
      expect(JSON.stringify(logger.entries)).not.toContain(PAID_KEY);
      expect(server.paths.some((path) => path.includes(PAID_KEY))).toBe(false);
    },
  );
});
