/**
 * Freshness benchmark (`npm run bench:freshness`): 24 hours of the batch process in virtual time,
 * for the spec's catalog and for 3 critical + 100 secondary assets, with the spec's budget (5 calls
 * per 60 s) and the default intervals. Our engine (the real RateLimiter, PriorityQueue,
 * AssetUpdater and BatchOrchestrator with its scheduler) runs once per fetch mode; the spec's
 * literal policy (bench/freshness/spec-policy.ts) runs once per catalog as the baseline. Both
 * talk to the same simulated key (bench/freshness/provider-key.ts: rolling window counted on
 * arrival, 429 when over). Prints, per tier, the staleness of the assets beside the bound the
 * budget allows, the calls made and the 429s, then checks the goals.
 */
import { performance } from "node:perf_hooks";
import { type FetchMode, loadSettings, type Settings } from "../src/config/settings.js";
import type { AssetDefinition } from "../src/models/batch.js";
import { largeScenario, type Scenario, specScenario } from "./freshness/catalogs.js";
import { enginePolicy } from "./freshness/engine-policy.js";
import { peakPerWindow } from "./freshness/provider-key.js";
import { callsPerFetch } from "./freshness/simulated-polygon.js";
import {
  type KeyBudget,
  LATENCY,
  type RunResult,
  SAMPLE_EVERY_MS,
  SIMULATED_MS,
  simulate,
  type TierKey,
  tierOf,
  WARM_UP_MS,
} from "./freshness/simulation.js";
import { specPolicy } from "./freshness/spec-policy.js";
import { percentile, printTable } from "./support/stats.js";

const MODES: readonly FetchMode[] = ["single", "multi", "universal", "prev"];
/**
 * "Within a small factor of the bound": the catalog's p95 staleness at most this × the bound.
 * On the spec's 9-asset catalog the critical assets alone, batched every 300 s, sit at about
 * 2.7× its 108 s bound, so 3× is the tightest goal the spec's own batch interval allows.
 */
const SMALL_FACTOR = 3;
const HOURS = SIMULATED_MS / 3_600_000;

interface Outcome {
  policy: "engine" | "spec literal";
  mode: FetchMode;
  result: RunResult;
}

interface Figures {
  max: number;
  p95: number;
  calls: number;
  refused: number;
}

/** The service's own variables for the budget and the intervals (unset: the spec's defaults). */
const SETTING_VARIABLES = [
  "POLYGON_RATE_LIMIT",
  "POLYGON_RATE_WINDOW_SECONDS",
  "BATCH_INTERVAL_SECONDS",
  "QUEUE_INTERVAL_SECONDS",
  "QUEUE_ITEMS_PER_RUN",
  "ENQUEUE_INTERVAL_SECONDS",
  "QUEUE_AGING_SECONDS",
  "STALE_AFTER_SECONDS",
];
const settings: Settings = loadSettings(
  Object.fromEntries(SETTING_VARIABLES.map((name) => [name, process.env[name]])),
);
const budget: KeyBudget = {
  limit: settings.polygonRateLimit,
  windowMs: settings.polygonRateWindowSeconds * 1000,
};
const callsPerMinute = budget.limit / (budget.windowMs / 60_000);
const criticalLimitSeconds = settings.batchIntervalSeconds + settings.polygonRateWindowSeconds;

/** The bound the budget allows: every asset once, one call each, at the key's rate (seconds). */
function boundSeconds(assets: readonly AssetDefinition[]): number {
  return (assets.length / callsPerMinute) * 60;
}

async function runScenario(scenario: Scenario, seed: number): Promise<Outcome[]> {
  const outcomes: Outcome[] = [];
  for (const mode of MODES) {
    const result = await simulate(scenario.assets, budget, seed, enginePolicy(settings, mode));
    outcomes.push({ policy: "engine", mode, result });
  }
  const baseline = await simulate(scenario.assets, budget, seed, specPolicy(settings));
  outcomes.push({ policy: "spec literal", mode: "single", result: baseline });
  return outcomes;
}

function figures(outcome: Outcome, tier: TierKey, tickersOfTier: ReadonlySet<string>): Figures {
  const samples = outcome.result.staleness.get(tier) ?? [];
  const arrivals = outcome.result.arrivals.filter(
    (a) => tier === "ALL" || a.tickers.some((t) => tickersOfTier.has(t)),
  );
  return {
    max: samples.reduce((a, b) => Math.max(a, b), 0),
    p95: percentile(samples, 95),
    calls: arrivals.length,
    refused: arrivals.filter((a) => !a.served).length,
  };
}

function report(scenario: Scenario, outcomes: readonly Outcome[]): void {
  const { assets } = scenario;
  const bound = boundSeconds(assets);
  const tiers = [...(outcomes[0]?.result.staleness.keys() ?? [])];
  const tickers = new Map(
    tiers.map((tier) => [
      tier,
      new Set(assets.filter((a) => tier === "ALL" || tierOf(a) === tier).map((a) => a.polygonTicker)),
    ]),
  );
  const rows: Record<string, string | number>[] = [];
  for (const outcome of outcomes) {
    for (const tier of tiers) {
      const f = figures(outcome, tier, tickers.get(tier) ?? new Set());
      const all = tier === "ALL";
      rows.push({
        policy: all ? outcome.policy : "",
        mode: all ? outcome.mode : "",
        tier,
        assets: tickers.get(tier)?.size ?? 0,
        "max s": Math.round(f.max),
        "p95 s": Math.round(f.p95),
        "bound s": Math.round(bound),
        "p95/bound": `${(f.p95 / bound).toFixed(2)}×`,
        "calls/h": (f.calls / HOURS).toFixed(1),
        "tokens/h": all ? (outcome.result.tokens / HOURS).toFixed(1) : "",
        "429s": f.refused,
        [`peak/${budget.windowMs / 1000}s`]: all
          ? peakPerWindow(outcome.result.arrivals, budget.windowMs)
          : "",
      });
    }
  }
  printTable(`bench:freshness — ${scenario.title}`, rows);
  console.log(goals(scenario, outcomes, bound, tickers));
}

function goals(
  scenario: Scenario,
  outcomes: readonly Outcome[],
  bound: number,
  tickers: ReadonlyMap<TierKey, ReadonlySet<string>>,
): string {
  const lines = [
    `Goals for our engine: (1) zero 429s; (2) CRITICAL never older than ${settings.batchIntervalSeconds} s ` +
      `batch + ${settings.polygonRateWindowSeconds} s window = ${criticalLimitSeconds} s; (3) whole catalog ` +
      `p95 within ${SMALL_FACTOR}× the bound (${Math.round(bound)} s).`,
  ];
  const missed: Outcome[] = [];
  for (const outcome of outcomes.filter((o) => o.policy === "engine")) {
    const all = figures(outcome, "ALL", tickers.get("ALL") ?? new Set());
    const critical = figures(outcome, "CRITICAL", tickers.get("CRITICAL") ?? new Set());
    const ratio = all.p95 / bound;
    const calls = callsPerFetch(outcome.mode, scenario.assets);
    lines.push(
      `  ${outcome.mode.padEnd(9)} ` +
        [
          check(all.refused === 0, `(1) 429s ${all.refused}`),
          check(critical.max <= criticalLimitSeconds, `(2) CRITICAL max ${Math.round(critical.max)} s`),
          check(ratio <= SMALL_FACTOR, `(3) catalog p95 ${ratio.toFixed(2)}× bound`),
        ].join("   ") +
        `   [${calls} call(s) refresh the whole catalog in this mode: ${Math.round((calls / callsPerMinute) * 60)} s]`,
    );
    if (ratio > SMALL_FACTOR) missed.push(outcome);
  }
  if (missed.length > 0) lines.push(`  Why (3) is missed: ${missedCatalogReason(missed, bound)}`);
  return lines.join("\n");
}

/** The likely cause of a catalog p95 far above the bound, from the runs' own figures. */
function missedCatalogReason(missed: readonly Outcome[], bound: number): string {
  const criticalP95 = Math.max(
    ...missed.map((o) => percentile(o.result.staleness.get("CRITICAL") ?? [], 95)),
  );
  if (criticalP95 > SMALL_FACTOR * bound) {
    return (
      `the CRITICAL assets alone, refreshed every BATCH_INTERVAL_SECONDS = ${settings.batchIntervalSeconds} s, ` +
      `have a p95 of ${Math.round(criticalP95)} s = ${(criticalP95 / bound).toFixed(2)}× the bound: ` +
      "for this catalog the bound is tighter than the batch interval."
    );
  }
  const tokens = missed.map((o) => `${(o.result.tokens / HOURS).toFixed(0)} (${o.mode})`).join(", ");
  return (
    "the queue does not get through the secondary assets fast enough " +
    `(the key's limiter gave out ${tokens} of ${callsPerMinute * 60} tokens/h).`
  );
}

function check(ok: boolean, text: string): string {
  return `${text}: ${ok ? "met" : "MISSED"}`;
}

async function main(): Promise<void> {
  const started = performance.now();
  const scenarios = [specScenario(), largeScenario()];
  console.log(
    [
      `bench:freshness — ${HOURS} h simulated in virtual time per run; key budget ${budget.limit} calls per ` +
        `${budget.windowMs / 1000} s (rolling, counted on arrival; 429 when over, refused calls not counted).`,
      `Settings (the service's variables, unset = defaults): batch ${settings.batchIntervalSeconds} s, queue ${settings.queueIntervalSeconds} s × ` +
        `${settings.queueItemsPerRun} items, enqueue ${settings.enqueueIntervalSeconds} s. Request travel ` +
        `${LATENCY.requestMs.join("–")} ms to arrival, answer ${LATENCY.responseMs.join("–")} ms (seeded).`,
      `Staleness: seconds since the asset's last successful update, sampled every ${SAMPLE_EVERY_MS / 1000} s ` +
        `after a ${WARM_UP_MS / 60_000}-minute warm-up.`,
      `engine       = src/ RateLimiter + PriorityQueue + AssetUpdater + BatchOrchestrator, one run per fetch mode.`,
      `spec literal = ET-DATA-001 §3.3 fixed-window limiter, §3.4 heapq queue, §3.6 jobs (2 items every ` +
        `${settings.queueIntervalSeconds} s, no reservation, a 429 is just a failure), single mode.`,
      `bound        = all the catalog's assets ÷ ${callsPerMinute} calls per minute (one call each), in seconds, ` +
        `the same on every row; p95/bound = p95 staleness ÷ bound.`,
      `calls/h      = requests that reached the provider (429s included); a tier row counts the requests ` +
        `that asked for an asset of that tier (a multi-asset request counts in each tier it serves).`,
      `tokens/h     = budget tokens the client's own limiter gave out; peak/60s = most requests that ` +
        `reached the provider within any ${budget.windowMs / 1000} s.`,
      `prev         = previous-day bars: staleness here counts updates made, not the age of the data.`,
    ].join("\n"),
  );
  for (const [index, scenario] of scenarios.entries()) {
    report(scenario, await runScenario(scenario, index + 1));
  }
  console.log(`\nReal time ${((performance.now() - started) / 1000).toFixed(1)} s.`);
}

await main();
