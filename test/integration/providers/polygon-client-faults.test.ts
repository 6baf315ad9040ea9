/**
 * Every sandbox fault against the client in every fetch mode, over real HTTP: the right
 * ProviderError kind and reason for the assets the fault touches, good snapshots for the others,
 * and a clean fetch once the fault is cleared.
 */
import { describe, expect, it } from "vitest";
import type { FetchMode } from "../../../src/config/settings.js";
import type { ProviderErrorKind } from "../../../src/models/errors.js";
import type { FaultSpec } from "../../../src/providers/sandbox/server.js";
import type { SnapshotOutcome } from "../../../src/services/ports.js";
import {
  CRITICAL,
  cleanUpAfterEach,
  clientFor,
  failureOf,
  instantBudget,
  MODES,
  newUsage,
  sandboxWithKeys,
  snapshotOf,
} from "./support.js";

cleanUpAfterEach();

type Expected = "ok" | { kind: ProviderErrorKind; reason: string };
/** What each of XAUUSD, EURUSD, BTCUSD (in that order) must come back as, by mode. */
type Expectations = (mode: FetchMode) => [Expected, Expected, Expected];

const all = (expected: Expected): [Expected, Expected, Expected] => [expected, expected, expected];
const isSnapshotMode = (mode: FetchMode): boolean => mode !== "prev";

interface FaultCase {
  name: string;
  fault: FaultSpec;
  expect: Expectations;
  /** Extra checks on the outcomes. */
  check?(
    mode: FetchMode,
    outcomes: SnapshotOutcome[],
    context: { blocks: number[]; startedAt: number },
  ): void;
}

const SERVER_ERROR: Expected = { kind: "transient", reason: "(HTTP 502: non-JSON body)" };
const TIMEOUT: Expected = { kind: "transient", reason: "did not answer" };
const CROSSED: Expected = { kind: "invalid_response", reason: "crossed quote: bid" };

const CASES: FaultCase[] = [
  { name: "5xx (nginx 502 page)", fault: { kind: "5xx" }, expect: () => all(SERVER_ERROR) },
  {
    name: "5xx (500 ERROR body)",
    fault: { kind: "5xx", status: 500 },
    expect: () => all({ kind: "transient", reason: "(HTTP 500: Internal server error)" }),
  },
  {
    name: "slow answer for gold, past the client timeout",
    fault: { kind: "slow", tickers: ["C:XAUUSD"], delayMs: 4000 },
    // The fault holds every request that asks for gold: its own call, or the shared one.
    expect: (mode) =>
      mode === "universal"
        ? all(TIMEOUT)
        : mode === "multi"
          ? [TIMEOUT, TIMEOUT, "ok"]
          : [TIMEOUT, "ok", "ok"],
  },
  {
    name: "malformed JSON",
    fault: { kind: "malformed" },
    expect: () => all({ kind: "invalid_response", reason: "response body is not JSON (HTTP 200)" }),
  },
  {
    name: "429 with an empty body",
    fault: { kind: "empty429" },
    expect: () =>
      all({ kind: "rate_limited", reason: "Polygon call budget exceeded (HTTP 429: empty body)" }),
    check: (_mode, _outcomes, { blocks, startedAt }) => {
      // No Retry-After: one full window (rateLimitBackoffMs) from the refusal.
      expect(blocks.length).toBeGreaterThan(0);
      for (const until of blocks) {
        expect(until).toBeGreaterThanOrEqual(startedAt + 60_000);
        expect(until).toBeLessThan(Date.now() + 60_000 + 1);
      }
    },
  },
  {
    name: "429 with Retry-After",
    fault: { kind: "429", retryAfterSeconds: 7 },
    expect: () => all({ kind: "rate_limited", reason: "You've exceeded the maximum requests per minute" }),
    check: (_mode, _outcomes, { blocks, startedAt }) => {
      for (const until of blocks) {
        expect(until).toBeGreaterThanOrEqual(startedAt + 7_000);
        expect(until).toBeLessThan(Date.now() + 7_000 + 1);
      }
    },
  },
  {
    name: "crossed quotes",
    fault: { kind: "crossed" },
    // Crypto has no quote to cross; a previous-day bar has none either.
    expect: (mode) => (isSnapshotMode(mode) ? [CROSSED, CROSSED, "ok"] : all("ok")),
  },
  {
    name: "zero prices",
    fault: { kind: "zeroPrice" },
    expect: () => all({ kind: "invalid_response", reason: "non-positive price" }),
    check: (mode, outcomes) => {
      const reasons = outcomes.map((outcome) => failureOf(outcome).message);
      const fields =
        mode === "prev"
          ? ["results[0].c", "results[0].c", "results[0].c"]
          : mode === "universal"
            ? ["last_quote.bid", "last_quote.bid", "last_trade.price"]
            : ["lastQuote.b", "lastQuote.b", "lastTrade.p"];
      reasons.forEach((reason, index) => {
        expect(reason).toContain(`non-positive price ${fields[index]}: 0`);
      });
    },
  },
  {
    name: "a weekend-stale euro quote",
    fault: { kind: "weekendStale", tickers: ["C:EURUSD"] },
    // Stale is not invalid: the snapshot keeps its old quote time, and freshness is the engine's call.
    expect: () => all("ok"),
    check: (mode, outcomes, { startedAt }) => {
      const euro = snapshotOf(outcomes[1]);
      if (isSnapshotMode(mode)) {
        expect(euro.timestamp.getUTCDay()).toBe(5);
        expect(euro.timestamp.toISOString()).toMatch(/T21:59:59\.000Z$/);
        expect(euro.timestamp.getTime()).toBeLessThan(startedAt);
        expect(snapshotOf(outcomes[0]).timestamp.getTime()).toBeGreaterThanOrEqual(startedAt);
      } else {
        expect(euro.timestamp.getTime()).toBe(new Date(startedAt).setUTCHours(0, 0, 0, 0) - 1);
      }
    },
  },
  {
    name: "day bars zeroed by the daily reset",
    fault: { kind: "dayReset" },
    expect: () => all("ok"),
    check: (mode, outcomes) => {
      for (const snapshot of outcomes.map(snapshotOf)) {
        const daily = [snapshot.dailyOpen, snapshot.dailyHigh, snapshot.dailyLow, snapshot.dailyClose];
        if (isSnapshotMode(mode)) expect(daily).toEqual([null, null, null, null]);
        else expect(daily.every((value) => value !== null && value > 0)).toBe(true);
      }
    },
  },
];

describe.each(CASES)("fault: $name", ({ fault, expect: expectations, check }) => {
  it.each(MODES)("mode %s", async (mode) => {
    const sandbox = await sandboxWithKeys();
    const budget = instantBudget();
    const client = clientFor({ baseUrl: sandbox.url, mode, budget, requestTimeoutMs: 300 });
    sandbox.faults.set(fault);
    const startedAt = Date.now();

    const outcomes = await client.fetchSnapshots(CRITICAL, { usage: newUsage() });

    expect(outcomes.map((outcome) => outcome.symbol)).toEqual(["XAUUSD", "EURUSD", "BTCUSD"]);
    expectations(mode).forEach((expected, index) => {
      const outcome = outcomes[index];
      if (expected === "ok") {
        expect(outcome?.ok, JSON.stringify(outcome)).toBe(true);
      } else {
        expect(failureOf(outcome).kind).toBe(expected.kind);
        expect(failureOf(outcome).message).toContain(expected.reason);
      }
    });
    expect(sandbox.requestLog.some((entry) => entry.faults.includes(fault.kind))).toBe(true);
    check?.(mode, outcomes, { blocks: budget.blocks, startedAt });
    if (fault.kind !== "empty429" && fault.kind !== "429") expect(budget.blocks).toEqual([]);

    sandbox.faults.clear();
    const recovered = await client.fetchSnapshots(CRITICAL, { usage: newUsage() });
    expect(recovered.map((outcome) => outcome.ok)).toEqual([true, true, true]);
  });
});
