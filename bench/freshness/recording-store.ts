/**
 * In-memory AssetStore and PriceEventPublisher for bench:freshness: each records, per symbol, the
 * virtual time of the last successful update (a committed price, a published event). Staleness is
 * read from the store; the publisher must agree with it.
 */
import type { AssetSnapshot, AssetState } from "../../src/models/batch.js";
import type { AssetStore, Clock, PriceEventPublisher, SyncStatusUpdate } from "../../src/services/ports.js";

export class RecordingStore implements AssetStore {
  readonly lastSuccessAt = new Map<string, number>();
  /** Successful updates per symbol. */
  readonly updates = new Map<string, number>();
  private readonly status = new Map<string, SyncStatusUpdate>();

  constructor(private readonly clock: Clock) {}

  async saveSnapshots(snapshots: readonly AssetSnapshot[]): Promise<void> {
    const now = this.clock.now();
    for (const { symbol } of snapshots) {
      this.lastSuccessAt.set(symbol, now);
      this.updates.set(symbol, (this.updates.get(symbol) ?? 0) + 1);
      this.status.set(symbol, { symbol, status: "success", error: null });
    }
  }

  async setSyncStatus(updates: readonly SyncStatusUpdate[]): Promise<void> {
    for (const update of updates) this.status.set(update.symbol, update);
  }

  async loadAssetStates(symbols?: readonly string[]): Promise<AssetState[]> {
    return (symbols ?? [...this.status.keys()]).map((symbol) => {
      const at = this.lastSuccessAt.get(symbol);
      return {
        symbol,
        latest: null,
        syncStatus: this.status.get(symbol)?.status ?? null,
        lastSyncAt: null,
        lastSuccessAt: at === undefined ? null : new Date(at),
        errorMessage: this.status.get(symbol)?.error ?? null,
      };
    });
  }

  async markStale(olderThanSeconds: number): Promise<string[]> {
    const now = this.clock.now();
    const marked: string[] = [];
    for (const [symbol, update] of this.status) {
      const at = this.lastSuccessAt.get(symbol);
      if (update.status !== "success" || at === undefined || now - at <= olderThanSeconds * 1000) continue;
      this.status.set(symbol, { ...update, status: "stale" });
      marked.push(symbol);
    }
    return marked;
  }
}

export class RecordingPublisher implements PriceEventPublisher {
  readonly lastPublishedAt = new Map<string, number>();

  constructor(private readonly clock: Clock) {}

  async publish(snapshots: readonly AssetSnapshot[]): Promise<void> {
    for (const { symbol } of snapshots) this.lastPublishedAt.set(symbol, this.clock.now());
  }
}
