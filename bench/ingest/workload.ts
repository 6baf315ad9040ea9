/** The bench:ingest workload: a synthetic catalog and one snapshot per asset per round. */
import {
  type AssetDefinition,
  AssetPriority,
  type AssetRef,
  type AssetSnapshot,
} from "../../src/models/batch.js";
import type { FetchOptions, MarketDataProvider, SnapshotOutcome } from "../../src/services/ports.js";
import { seededRandom } from "../../test/support/fakes.js";

const START = Date.parse("2026-03-02T09:00:00.000Z");

/** `count` forex-like assets, B00000USD…, all MEDIUM priority. */
export function benchCatalog(count: number): AssetDefinition[] {
  return Array.from({ length: count }, (_, i) => {
    const base = `B${String(i).padStart(5, "0")}`;
    return {
      symbol: `${base}USD`,
      polygonTicker: `C:${base}USD`,
      assetType: "forex",
      name: `Bench asset ${i}`,
      priority: AssetPriority.MEDIUM,
      baseAsset: base,
      quoteAsset: "USD",
      pricePrecision: 5,
    };
  });
}

/**
 * One realistic snapshot per asset for round `round`: prices that move, daily fields set, the
 * provider time one second later each round. Deterministic (seeded) so runs are comparable.
 */
export function roundSnapshots(assets: readonly AssetRef[], round: number): AssetSnapshot[] {
  const random = seededRandom(round + 1);
  const timestamp = new Date(START + round * 1000);
  return assets.map((asset, i) => {
    const mid = (1 + i / 100) * (1 + (random() - 0.5) / 100);
    const half = mid * 0.00005;
    const bid = Number((mid - half).toFixed(6));
    const ask = Number((mid + half).toFixed(6));
    return {
      symbol: asset.symbol,
      bid,
      ask,
      spread: Number((ask - bid).toFixed(6)),
      lastPrice: Number(mid.toFixed(6)),
      dailyOpen: Number((mid * 0.998).toFixed(6)),
      dailyHigh: Number((mid * 1.004).toFixed(6)),
      dailyLow: Number((mid * 0.995).toFixed(6)),
      dailyClose: Number((mid * 1.001).toFixed(6)),
      dailyVolume: Math.round(random() * 1e6),
      timestamp,
      source: "polygon",
    };
  });
}

/**
 * A provider that answers at once with the snapshots it was given (one call per asset, as the
 * `single` mode counts), so the bench measures the updater, the store and the bus only.
 */
export class InstantProvider implements MarketDataProvider {
  private bySymbol = new Map<string, AssetSnapshot>();

  /** The snapshots the next fetches return. */
  serve(snapshots: readonly AssetSnapshot[]): void {
    this.bySymbol = new Map(snapshots.map((s) => [s.symbol, s]));
  }

  callsFor(assets: readonly AssetRef[]): number {
    return assets.length;
  }

  async fetchSnapshots(assets: readonly AssetRef[], options: FetchOptions): Promise<SnapshotOutcome[]> {
    options.usage.calls += assets.length;
    return assets.map((asset): SnapshotOutcome => {
      const snapshot = this.bySymbol.get(asset.symbol);
      if (snapshot === undefined) throw new Error(`no snapshot served for ${asset.symbol}`);
      return { symbol: asset.symbol, ok: true, snapshot };
    });
  }
}
