/**
 * A MarketDataProvider that spends the call budget exactly as PolygonClient does (takeCallToken
 * before every HTTP request: pre-paid tokens first, else a budget wait), sends each request to
 * the simulated key (ProviderKey), and on a 429 blocks the budget for the client's backoff (one
 * window: no Retry-After from the live API), as PolygonHttp does. Calls per fetch, by mode:
 * single and prev one per asset, multi one per asset class present (≤ 250 tickers each),
 * universal ceil(assets / 250).
 */
import type { FetchMode } from "../../src/config/settings.js";
import type { AssetRef } from "../../src/models/batch.js";
import { ProviderError } from "../../src/models/errors.js";
import { takeCallToken } from "../../src/services/call-token.js";
import type {
  CallBudget,
  Clock,
  FetchOptions,
  MarketDataProvider,
  SnapshotOutcome,
} from "../../src/services/ports.js";
import { makeSnapshot } from "../../test/support/fakes.js";
import type { ProviderKey } from "./provider-key.js";

/** Tickers per multi-ticker or /v3/snapshot request, as the client (polygon-fetch-*.ts). */
const TICKERS_PER_CALL = 250;

export interface SimulatedPolygonOptions {
  mode: FetchMode;
  budget: CallBudget;
  key: ProviderKey;
  clock: Clock;
  /** How long a 429 blocks the budget (main.ts: one window of the key). */
  rateLimitBackoffMs: number;
}

export class SimulatedPolygon implements MarketDataProvider {
  constructor(private readonly options: SimulatedPolygonOptions) {}

  callsFor(assets: readonly AssetRef[]): number {
    return callsPerFetch(this.options.mode, assets);
  }

  async fetchSnapshots(assets: readonly AssetRef[], options: FetchOptions): Promise<SnapshotOutcome[]> {
    options.signal?.throwIfAborted();
    const { budget, key, clock, rateLimitBackoffMs } = this.options;
    const outcomes = new Map<string, SnapshotOutcome>();
    for (const group of callGroups(this.options.mode, assets)) {
      const budgetError = await takeCallToken(budget, options);
      if (budgetError) {
        for (const asset of group) outcomes.set(asset.symbol, failure(asset, budgetError));
        continue;
      }
      options.usage.calls += 1;
      const answer = await key.request(
        group.map((asset) => asset.polygonTicker),
        options.signal,
      );
      if (answer === "rate_limited") {
        const pausedUntilMs = clock.now() + rateLimitBackoffMs;
        budget.blockUntil(pausedUntilMs);
        const error = new ProviderError("rate_limited", "HTTP 429: maximum requests per minute", 429);
        for (const asset of group) outcomes.set(asset.symbol, failure(asset, error));
        continue;
      }
      for (const asset of group) {
        outcomes.set(asset.symbol, {
          symbol: asset.symbol,
          ok: true,
          snapshot: makeSnapshot(asset.symbol, clock.now()),
        });
      }
    }
    return assets.map((asset) => outcomes.get(asset.symbol) as SnapshotOutcome);
  }
}

/** The assets of each HTTP request a fetch makes, in request order. */
export function callGroups(mode: FetchMode, assets: readonly AssetRef[]): AssetRef[][] {
  switch (mode) {
    case "single":
    case "prev":
      return assets.map((asset) => [asset]);
    case "multi": {
      const classes = [...new Set(assets.map((asset) => asset.assetType))];
      return classes.flatMap((type) =>
        chunks(
          assets.filter((asset) => asset.assetType === type),
          TICKERS_PER_CALL,
        ),
      );
    }
    case "universal":
      return chunks(assets, TICKERS_PER_CALL);
  }
}

/** Calls one fetch of `assets` makes in `mode`. */
export function callsPerFetch(mode: FetchMode, assets: readonly AssetRef[]): number {
  return callGroups(mode, assets).length;
}

function chunks<T>(items: readonly T[], size: number): T[][] {
  const runs: T[][] = [];
  for (let start = 0; start < items.length; start += size) runs.push(items.slice(start, start + size));
  return runs;
}

function failure(asset: AssetRef, error: ProviderError): SnapshotOutcome {
  return { symbol: asset.symbol, ok: false, error };
}
