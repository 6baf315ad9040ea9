/**
 * The provider's side of one API key, in virtual time: a request travels to the provider, is
 * counted against the key's rolling window when it arrives (the sandbox's SlidingWindowBudget:
 * `limit` served requests in any `windowMs`, refused ones not counted) or refused with 429, and
 * the answer travels back. Travel times are drawn from a seeded generator, so a run is
 * reproducible. Every arrival is logged for the report.
 */
import { SlidingWindowBudget } from "../../src/providers/sandbox/budget.js";
import type { Clock } from "../../src/services/ports.js";

/** Uniform travel times, milliseconds. */
export interface LatencyModel {
  /** From spending the budget token (or sending) to the request's arrival at the provider. */
  requestMs: readonly [number, number];
  /** From arrival to the answer being back at the client. */
  responseMs: readonly [number, number];
}

export interface Arrival {
  at: number;
  tickers: readonly string[];
  served: boolean;
}

export type Answer = "ok" | "rate_limited";

export class ProviderKey {
  readonly arrivals: Arrival[] = [];
  private readonly window: SlidingWindowBudget;

  constructor(
    readonly limit: number,
    readonly windowMs: number,
    private readonly clock: Clock,
    private readonly random: () => number,
    private readonly latency: LatencyModel,
  ) {
    this.window = new SlidingWindowBudget(limit, windowMs);
  }

  /** One HTTP request for `tickers`: travel, the key's window check on arrival, travel back. */
  async request(tickers: readonly string[], signal?: AbortSignal): Promise<Answer> {
    await this.clock.sleep(this.draw(this.latency.requestMs), signal);
    const at = this.clock.now();
    const served = this.window.tryTake(at);
    this.arrivals.push({ at, tickers, served });
    await this.clock.sleep(this.draw(this.latency.responseMs), signal);
    return served ? "ok" : "rate_limited";
  }

  private draw([min, max]: readonly [number, number]): number {
    return Math.round(min + (max - min) * this.random());
  }
}

/** The most requests that arrived within any `windowMs` (refused ones included). */
export function peakPerWindow(arrivals: readonly Arrival[], windowMs: number): number {
  let peak = 0;
  let first = 0;
  for (let last = 0; last < arrivals.length; last++) {
    const at = (arrivals[last] as Arrival).at;
    while ((arrivals[first] as Arrival).at <= at - windowMs) first++;
    peak = Math.max(peak, last - first + 1);
  }
  return peak;
}
