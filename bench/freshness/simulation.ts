/**
 * The common part of every simulated run: a policy (our engine or the spec's literal one) is
 * started in virtual time, time advances in 10-second steps for 24 hours, and after a 10-minute
 * warm-up each step samples every asset's staleness (seconds since its last successful update;
 * since the start for an asset never updated yet). Then the policy is stopped.
 */
import {
  ASSET_PRIORITY_NAMES,
  type AssetDefinition,
  AssetPriority,
  type AssetPriorityName,
} from "../../src/models/batch.js";
import type { Clock } from "../../src/services/ports.js";
import { seededRandom } from "../../test/support/fakes.js";
import { type Arrival, type LatencyModel, ProviderKey } from "./provider-key.js";
import { VirtualTime } from "./virtual-time.js";

export const SIMULATED_MS = 24 * 3_600_000;
export const SAMPLE_EVERY_MS = 10_000;
export const WARM_UP_MS = 10 * 60_000;
/** Virtual start: a Monday, 00:00 UTC. */
const START_MS = Date.UTC(2026, 0, 5, 0, 0, 0);
/** Time to let a stopping policy finish its running work (virtual). */
const STOP_MS = 120_000;

/**
 * Network and server time of one request. The request leg (token → arrival) stays under the
 * RateLimiter's 250 ms margin; a run pays both legs per call.
 */
export const LATENCY: LatencyModel = { requestMs: [20, 150], responseMs: [40, 250] };

export type TierKey = "ALL" | AssetPriorityName;

/** The environment a policy runs in. */
export interface SimulationContext {
  clock: Clock;
  time: VirtualTime;
  key: ProviderKey;
  assets: readonly AssetDefinition[];
}

/** A policy under test, built on a SimulationContext. */
export interface PolicyRun {
  start(): void;
  stop(): Promise<void>;
  /** Last successful update per symbol, epoch ms (virtual). */
  lastSuccessAt: ReadonlyMap<string, number>;
  /** Successful updates per symbol. */
  updates: ReadonlyMap<string, number>;
  /** Budget tokens the client spent (its own limiter's count). */
  tokensSpent(): number;
  /** Throws if the run's own records disagree (e.g. publisher vs store). */
  check?(): void;
}

export interface RunResult {
  /** Staleness samples in seconds, per tier and for the whole catalog. */
  staleness: Map<TierKey, number[]>;
  arrivals: Arrival[];
  tokens: number;
  updates: ReadonlyMap<string, number>;
}

export interface KeyBudget {
  limit: number;
  windowMs: number;
}

export async function simulate(
  assets: readonly AssetDefinition[],
  budget: KeyBudget,
  seed: number,
  build: (context: SimulationContext) => PolicyRun,
): Promise<RunResult> {
  const time = new VirtualTime(START_MS);
  const key = new ProviderKey(budget.limit, budget.windowMs, time.clock, seededRandom(seed), LATENCY);
  const restore = time.install();
  try {
    const run = build({ clock: time.clock, time, key, assets });
    const staleness = new Map<TierKey, number[]>([["ALL", []]]);
    for (const name of ASSET_PRIORITY_NAMES) {
      if (assets.some((a) => tierOf(a) === name)) staleness.set(name, []);
    }
    run.start();
    for (let at = START_MS + SAMPLE_EVERY_MS; at <= START_MS + SIMULATED_MS; at += SAMPLE_EVERY_MS) {
      await time.runUntil(at);
      if (at - START_MS < WARM_UP_MS) continue;
      for (const asset of assets) {
        const seconds = (at - (run.lastSuccessAt.get(asset.symbol) ?? START_MS)) / 1000;
        staleness.get("ALL")?.push(seconds);
        staleness.get(tierOf(asset))?.push(seconds);
      }
    }
    const stopped = run.stop();
    await time.runUntil(time.now() + STOP_MS);
    await stopped;
    run.check?.();
    return { staleness, arrivals: key.arrivals, tokens: run.tokensSpent(), updates: run.updates };
  } finally {
    restore();
  }
}

export function tierOf(asset: AssetDefinition): AssetPriorityName {
  return ASSET_PRIORITY_NAMES.find((name) => AssetPriority[name] === asset.priority) as AssetPriorityName;
}
