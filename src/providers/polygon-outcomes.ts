/** Building SnapshotOutcomes from parsed bodies and provider errors, shared by every fetch mode. */
import type { AssetRef, AssetSnapshot } from "../models/batch.js";
import { ProviderError } from "../models/errors.js";
import type { SnapshotOutcome } from "../services/ports.js";

export function failed(asset: AssetRef, error: ProviderError): SnapshotOutcome {
  return { symbol: asset.symbol, ok: false, error };
}

/** Runs a parser; a ProviderError it throws becomes the asset's failure, anything else is a bug. */
export function parsed(asset: AssetRef, parse: () => AssetSnapshot): SnapshotOutcome {
  try {
    return { symbol: asset.symbol, ok: true, snapshot: parse() };
  } catch (error) {
    if (error instanceof ProviderError) return failed(asset, error);
    throw error;
  }
}

/**
 * A failure that every further call with this key would repeat (bad key, plan without the
 * endpoint): the rest of the fetch reports it without spending calls.
 */
export function failsEveryCall(error: ProviderError): boolean {
  return error.kind === "unauthorized" || error.kind === "not_entitled";
}

/** Unique tickers of `assets`, in first-seen order. */
export function uniqueTickers(assets: readonly AssetRef[]): string[] {
  return [...new Set(assets.map((asset) => asset.polygonTicker))];
}

/** Splits `items` into runs of at most `size`. */
export function chunks<T>(items: readonly T[], size: number): T[][] {
  const runs: T[][] = [];
  for (let start = 0; start < items.length; start += size) runs.push(items.slice(start, start + size));
  return runs;
}

/** A ticker as a path segment: the ":" of "C:EURUSD" stays literal, as in the provider's docs. */
export function tickerPathSegment(ticker: string): string {
  return encodeURIComponent(ticker).replaceAll("%3A", ":");
}

/** A comma-joined ticker list as a query value; ":" and the separating "," stay literal. */
export function tickerListQueryValue(tickers: readonly string[]): string {
  return tickers.map(tickerPathSegment).join(",");
}
