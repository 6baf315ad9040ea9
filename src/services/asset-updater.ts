/**
 * Updates a set of assets (ET-DATA-001 §3.5 and §5.1): fetch from the provider, write to the
 * store, then publish. An event is published only for a price that is committed.
 */
import type { AssetRef, AssetSnapshot, SyncStatus } from "../models/batch.js";
import { ProviderError } from "../models/errors.js";
import type {
  AssetStore,
  CallUsage,
  Logger,
  MarketDataProvider,
  PriceEventPublisher,
  SnapshotOutcome,
  SyncStatusUpdate,
} from "./ports.js";

export interface AssetUpdaterPorts {
  provider: MarketDataProvider;
  store: AssetStore;
  publisher: PriceEventPublisher;
  logger: Logger;
}

export interface AssetUpdateFailure {
  asset: AssetRef;
  error: ProviderError | Error;
}

export interface UpdateReport {
  /** Snapshots written to the store, in request order. */
  updated: AssetSnapshot[];
  failed: AssetUpdateFailure[];
  /** Provider calls spent and budget waits. */
  usage: CallUsage;
}

export interface UpdateOptions {
  /** Aborts budget waits and provider calls; updateAssets then rejects with its reason. */
  signal?: AbortSignal;
  /**
   * Aborts budget waits only: assets still waiting for a token fail as `rate_limited` and the
   * update completes with the others (FetchOptions.budgetSignal).
   */
  budgetSignal?: AbortSignal;
  /** Budget tokens already spent for these assets, one per provider call (FetchOptions). */
  prepaidCalls?: number;
}

export class AssetUpdater {
  private readonly provider: MarketDataProvider;
  private readonly store: AssetStore;
  private readonly publisher: PriceEventPublisher;
  private readonly logger: Logger;

  constructor(ports: AssetUpdaterPorts) {
    this.provider = ports.provider;
    this.store = ports.store;
    this.publisher = ports.publisher;
    this.logger = ports.logger;
  }

  /** Provider calls (budget tokens) updateAssets(assets) makes: MarketDataProvider.callsFor. */
  callsFor(assets: readonly AssetRef[]): number {
    return this.provider.callsFor(assets);
  }

  /**
   * IN_PROGRESS → fetch → save successes (price + SUCCESS in one transaction) → FAILED with the
   * reason for failures → publish the saved ones. Resolves with what happened to each asset;
   * rejects only when the signal aborts the fetch (the assets are then marked FAILED).
   */
  async updateAssets(assets: readonly AssetRef[], options: UpdateOptions = {}): Promise<UpdateReport> {
    const usage: CallUsage = { calls: 0, waits: 0 };
    if (assets.length === 0) return { updated: [], failed: [], usage };

    try {
      await this.store.setSyncStatus(assets.map((a) => statusOf(a, "in_progress", null)));
    } catch (error) {
      // Without a working store nothing fetched could be kept: do not spend the budget.
      const storeError = asError(error);
      this.logger.error(
        { err: storeError.message, symbols: symbolsOf(assets) },
        "store unavailable, update skipped",
      );
      return { updated: [], failed: assets.map((asset) => ({ asset, error: storeError })), usage };
    }

    let outcomes: SnapshotOutcome[];
    try {
      const { signal, budgetSignal, prepaidCalls } = options;
      outcomes = await this.provider.fetchSnapshots(assets, { signal, budgetSignal, prepaidCalls, usage });
    } catch (error) {
      await this.markFailed(assets.map((asset) => ({ asset, error: asError(error) })));
      throw error;
    }

    const { fetched, failed } = pairOutcomes(assets, outcomes);
    const updated = await this.save(fetched, failed);
    await this.markFailed(failed);
    await this.publish(updated);

    for (const { asset, error } of failed) {
      this.logger.warn({ symbol: asset.symbol, ...errorFields(error) }, "asset update failed");
    }
    this.logger.info(
      { updated: symbolsOf(updated), failed: failed.length, calls: usage.calls, waits: usage.waits },
      "assets updated",
    );
    return { updated, failed, usage };
  }

  /** Saves the snapshots; on a store error they all join `failed` with that error. */
  private async save(fetched: readonly Fetched[], failed: AssetUpdateFailure[]): Promise<AssetSnapshot[]> {
    if (fetched.length === 0) return [];
    const snapshots = fetched.map((f) => f.snapshot);
    try {
      await this.store.saveSnapshots(snapshots);
      return snapshots;
    } catch (error) {
      const storeError = asError(error);
      for (const { asset } of fetched) failed.push({ asset, error: storeError });
      return [];
    }
  }

  private async markFailed(failed: readonly AssetUpdateFailure[]): Promise<void> {
    if (failed.length === 0) return;
    try {
      await this.store.setSyncStatus(
        failed.map(({ asset, error }) => statusOf(asset, "failed", failureMessage(error))),
      );
    } catch (error) {
      // The assets are already reported failed; losing their status row is only logged.
      this.logger.error(
        { err: asError(error).message, symbols: failed.length },
        "could not record failed sync status",
      );
    }
  }

  private async publish(updated: readonly AssetSnapshot[]): Promise<void> {
    if (updated.length === 0) return;
    try {
      await this.publisher.publish(updated);
    } catch (error) {
      // The prices are committed; consumers catch up on the next update or from the store.
      this.logger.warn(
        { err: asError(error).message, symbols: symbolsOf(updated) },
        "price events not published",
      );
    }
  }
}

/** The text stored as the sync error and reported in batch results, e.g. "not_found: …". */
export function failureMessage(error: Error): string {
  return error instanceof ProviderError ? `${error.kind}: ${error.message}` : error.message;
}

interface Fetched {
  asset: AssetRef;
  snapshot: AssetSnapshot;
}

/** Matches outcomes to assets by symbol; an asset the provider left out counts as failed. */
function pairOutcomes(
  assets: readonly AssetRef[],
  outcomes: readonly SnapshotOutcome[],
): { fetched: Fetched[]; failed: AssetUpdateFailure[] } {
  const bySymbol = new Map(outcomes.map((o) => [o.symbol, o]));
  const fetched: Fetched[] = [];
  const failed: AssetUpdateFailure[] = [];
  for (const asset of assets) {
    const outcome = bySymbol.get(asset.symbol);
    if (outcome === undefined) {
      failed.push({ asset, error: new ProviderError("invalid_response", "provider returned no result") });
    } else if (outcome.ok) {
      fetched.push({ asset, snapshot: outcome.snapshot });
    } else {
      failed.push({ asset, error: outcome.error });
    }
  }
  return { fetched, failed };
}

function statusOf(asset: AssetRef, status: SyncStatus, error: string | null): SyncStatusUpdate {
  return { symbol: asset.symbol, status, error };
}

function symbolsOf(items: readonly { symbol: string }[]): string[] {
  return items.map((i) => i.symbol);
}

function errorFields(error: Error): Record<string, unknown> {
  return error instanceof ProviderError
    ? { kind: error.kind, httpStatus: error.httpStatus, err: error.message }
    : { err: error.message };
}

function asError(error: unknown): Error {
  return error instanceof Error ? error : new Error(String(error));
}
