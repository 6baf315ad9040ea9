/**
 * Ports: the only ways core logic (services/) reaches the outside world. Adapters in providers/,
 * store/ and events/ implement them; unit tests pass fakes.
 */
import type { AssetRef, AssetSnapshot, AssetState, RateLimitStats, SyncStatus } from "../models/batch.js";
import type { ProviderError } from "../models/errors.js";
import type { PriceUpdateEvent } from "../models/price-event.js";

/** Time source. Everything that reads time or sleeps takes one, so tests can drive time. */
export interface Clock {
  /** Epoch milliseconds. */
  now(): number;
  /** Resolves after `ms`, or rejects with the signal's reason when it aborts. */
  sleep(ms: number, signal?: AbortSignal): Promise<void>;
}

/** Counts what one unit of work (a batch, a queue run) spent from the call budget. */
export interface CallUsage {
  calls: number;
  waits: number;
}

/** Tokens to keep free for a later burst of calls, e.g. the next priority batch. */
export interface CallReservation {
  /** Tokens that must still be free at `atMs`. */
  count: number;
  /** Epoch milliseconds; a time already past means now. */
  atMs: number;
}

/** The provider key's call budget. Every provider HTTP request spends one token. */
export interface CallBudget {
  /**
   * Waits until a call may be made and spends a token. Resolves with the milliseconds waited;
   * rejects with the signal's reason if it aborts while waiting.
   */
  acquire(signal?: AbortSignal): Promise<number>;
  /**
   * Spends a token now, never waiting: only if one is free now, no acquire() is waiting for one,
   * and, when `reserve` is given, `reserve.count` tokens would still be free at `reserve.atMs`
   * counting the one spent now. Returns whether a token was spent.
   */
  tryAcquire(reserve?: CallReservation): boolean;
  /** Calls that may be made now without waiting. */
  remaining(): number;
  /** The provider refused a call for budget (429): no token is given before `epochMs`. */
  blockUntil(epochMs: number): void;
  stats(): RateLimitStats;
}

/** Result of fetching one asset: a validated snapshot, or why there is none. */
export type SnapshotOutcome =
  | { symbol: string; ok: true; snapshot: AssetSnapshot }
  | { symbol: string; ok: false; error: ProviderError };

export interface FetchOptions {
  /** Aborts everything: budget waits and HTTP calls. The fetch then rejects with its reason. */
  signal?: AbortSignal;
  /**
   * Aborts only waits for a budget token (shutdown: a wait is not in-flight work, an HTTP call
   * is). Once aborted, a call is made only if a token is free at once; otherwise its assets get a
   * `rate_limited` outcome, unrequested, and the fetch resolves. Default: `signal`. Providers
   * implement this and `prepaidCalls` by calling takeCallToken() before each request.
   */
  budgetSignal?: AbortSignal;
  /**
   * Tokens the caller already spent for this fetch (CallBudget.tryAcquire), one per HTTP call.
   * The provider uses them before acquiring any, decrementing this count as it does.
   */
  prepaidCalls?: number;
  /** Filled in by the provider: calls made and budget waits. */
  usage: CallUsage;
}

/** Market data source (Polygon / Massive). */
export interface MarketDataProvider {
  /**
   * Fetches the latest snapshot of each asset, spending one budget token per HTTP call. Returns
   * one outcome per requested asset, in order. Throws only when the signal aborts.
   */
  fetchSnapshots(assets: readonly AssetRef[], options: FetchOptions): Promise<SnapshotOutcome[]>;
  /**
   * The HTTP calls (budget tokens) one fetchSnapshots of `assets` makes when every call succeeds:
   * what a caller pre-pays (FetchOptions.prepaidCalls). 0 for no assets, and at most 1 for one.
   * Calls the provider adds on its own (e.g. a further result page) spend tokens as usual.
   */
  callsFor(assets: readonly AssetRef[]): number;
}

export interface SyncStatusUpdate {
  symbol: string;
  status: SyncStatus;
  error: string | null;
}

/** Persistence of prices and sync status (PostgreSQL tables of ET-DATA-001). */
export interface AssetStore {
  /**
   * For each snapshot: merges `{"last_update": …}` into `trading.symbols.metadata`, appends it to
   * the price history and marks the sync SUCCESS, all in one transaction.
   */
  saveSnapshots(snapshots: readonly AssetSnapshot[]): Promise<void>;
  /** Upserts `data_sources.data_sync_status` rows for the `polygon` provider. */
  setSyncStatus(updates: readonly SyncStatusUpdate[]): Promise<void>;
  /** Latest stored price and sync state, for the given symbols or every catalog asset. */
  loadAssetStates(symbols?: readonly string[]): Promise<AssetState[]>;
  /**
   * Marks STALE every SUCCESS row whose last success is more than `olderThanSeconds` old, in one
   * statement; returns their symbols. The next successful update makes them SUCCESS again.
   */
  markStale(olderThanSeconds: number): Promise<string[]>;
  /**
   * Deletes price history older than the retention (HISTORY_RETENTION_DAYS before `now`, by
   * provider time), keeping each symbol's latest price, in bounded chunks; returns the rows
   * deleted (0 when retention is off). Harmless to run at any time, and on several replicas at once.
   * Optional: a store without history need not have it.
   */
  pruneHistory?(now: Date): Promise<number>;
}

/** Publishes committed price updates (Redis channel asset:update:{SYMBOL}, or in-process). */
export interface PriceEventPublisher {
  publish(snapshots: readonly AssetSnapshot[]): Promise<void>;
}

/** Receives every price update published by any replica, as the spec's event body. */
export interface PriceEventSource {
  /** Calls `listener` for each update until the returned function is called. */
  subscribe(listener: (event: PriceUpdateEvent) => void): () => void;
}

/** Structured logger (a pino subset). */
export interface Logger {
  debug(obj: object, msg?: string): void;
  info(obj: object, msg?: string): void;
  warn(obj: object, msg?: string): void;
  error(obj: object, msg?: string): void;
}
