/** In-memory stand-ins for the service ports, for unit tests. */
import type { AssetRef, AssetSnapshot, AssetState } from "../../src/models/batch.js";
import { ProviderError } from "../../src/models/errors.js";
import { takeCallToken } from "../../src/services/call-token.js";
import type {
  AssetStore,
  CallBudget,
  Clock,
  FetchOptions,
  Logger,
  MarketDataProvider,
  PriceEventPublisher,
  SnapshotOutcome,
  SyncStatusUpdate,
} from "../../src/services/ports.js";

// Captured before any test installs fake timers, so flushing never depends on them.
const realSetImmediate = globalThis.setImmediate;

/** Lets every pending promise continuation (and the ones they start) run. */
export async function settle(rounds = 5): Promise<void> {
  for (let i = 0; i < rounds; i++) await new Promise<void>((resolve) => realSetImmediate(resolve));
}

/** Deterministic PRNG (mulberry32) so a failing random test can be replayed. */
export function seededRandom(seed: number): () => number {
  let state = seed;
  return () => {
    state = (state + 0x6d2b79f5) | 0;
    let t = Math.imul(state ^ (state >>> 15), 1 | state);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

interface Sleeper {
  wakeAt: number;
  resolve: () => void;
}

/** A clock that moves only when told to; sleeps resolve as `advance` passes their wake time. */
export class FakeClock implements Clock {
  private current: number;
  private sleepers: Sleeper[] = [];

  constructor(startMs = Date.UTC(2026, 0, 5, 12, 0, 0)) {
    this.current = startMs;
  }

  now(): number {
    return this.current;
  }

  get sleeping(): number {
    return this.sleepers.length;
  }

  sleep(ms: number, signal?: AbortSignal): Promise<void> {
    if (signal?.aborted) return Promise.reject(signal.reason);
    if (ms <= 0) return Promise.resolve();
    return new Promise<void>((resolve, reject) => {
      const sleeper: Sleeper = {
        wakeAt: this.current + Math.max(0, ms),
        resolve: () => {
          signal?.removeEventListener("abort", onAbort);
          resolve();
        },
      };
      const onAbort = (): void => {
        this.sleepers = this.sleepers.filter((s) => s !== sleeper);
        reject(signal?.reason);
      };
      signal?.addEventListener("abort", onAbort, { once: true });
      this.sleepers.push(sleeper);
    });
  }

  /** Moves time forward by `ms`, waking sleepers in wake order and letting each react. */
  async advance(ms: number): Promise<void> {
    const target = this.current + ms;
    for (;;) {
      await settle();
      const next = this.sleepers.filter((s) => s.wakeAt <= target).sort((a, b) => a.wakeAt - b.wakeAt)[0];
      if (next === undefined) break;
      this.current = Math.max(this.current, next.wakeAt);
      this.sleepers = this.sleepers.filter((s) => s !== next);
      next.resolve();
    }
    this.current = target;
    await settle();
  }
}

/** Reads Date.now and sleeps on the global timers: the clock to use under vi.useFakeTimers(). */
export const timerClock: Clock = {
  now: () => Date.now(),
  sleep: (ms, signal) =>
    new Promise<void>((resolve, reject) => {
      if (signal?.aborted) return reject(signal.reason);
      const timer = setTimeout(resolve, ms);
      signal?.addEventListener(
        "abort",
        () => {
          clearTimeout(timer);
          reject(signal.reason);
        },
        { once: true },
      );
    }),
};

export interface LogEntry {
  level: "debug" | "info" | "warn" | "error";
  obj: object;
  msg: string | undefined;
}

export class FakeLogger implements Logger {
  readonly entries: LogEntry[] = [];
  debug(obj: object, msg?: string): void {
    this.entries.push({ level: "debug", obj, msg });
  }
  info(obj: object, msg?: string): void {
    this.entries.push({ level: "info", obj, msg });
  }
  warn(obj: object, msg?: string): void {
    this.entries.push({ level: "warn", obj, msg });
  }
  error(obj: object, msg?: string): void {
    this.entries.push({ level: "error", obj, msg });
  }
  messages(level: LogEntry["level"]): string[] {
    return this.entries.filter((e) => e.level === level).map((e) => e.msg ?? "");
  }
}

/** One shared, ordered record of what the fakes were asked to do, e.g. "save XAUUSD,EURUSD". */
export type CallLog = string[];

export function makeSnapshot(symbol: string, atMs: number, price = 100): AssetSnapshot {
  return {
    symbol,
    bid: price - 0.5,
    ask: price + 0.5,
    spread: 1,
    lastPrice: price,
    dailyOpen: null,
    dailyHigh: null,
    dailyLow: null,
    dailyClose: null,
    dailyVolume: null,
    timestamp: new Date(atMs),
    source: "polygon",
  };
}

/** What the fake provider answers for one symbol: a snapshot ("ok") or a provider error. */
export type ScriptedOutcome = "ok" | ProviderError;

/**
 * How the fake provider's calls serve assets: one call per asset (`single` and `prev` modes), one
 * per asset class present (`multi`), or one per fetch (`universal`).
 */
export type FakeCallSharing = "per-asset" | "per-class" | "per-fetch";

/**
 * A provider with per-symbol scripted outcomes (default "ok"). It spends one token per call (see
 * FakeCallSharing; callsFor agrees) from `budget` when given one (as PolygonClient does: pre-paid
 * tokens first, waits cut short by `budgetSignal`), and can be held so a fetch blocks until released.
 */
export class FakeProvider implements MarketDataProvider {
  readonly requests: string[][] = [];
  inFlight = 0;
  maxInFlight = 0;
  private readonly scripts = new Map<string, ScriptedOutcome[]>();
  private gate: { promise: Promise<void>; open: () => void } | null = null;

  constructor(
    private readonly clock: Clock,
    private readonly options: { budget?: CallBudget; log?: CallLog; sharing?: FakeCallSharing } = {},
  ) {}

  callsFor(assets: readonly AssetRef[]): number {
    return this.callGroups(assets).length;
  }

  /** The next fetches of `symbol` answer these outcomes, one per fetch, then "ok" again. */
  script(symbol: string, ...outcomes: ScriptedOutcome[]): void {
    this.scripts.set(symbol, [...(this.scripts.get(symbol) ?? []), ...outcomes]);
  }

  /** Fetches from now on block until release(). */
  hold(): void {
    let open = (): void => {};
    const promise = new Promise<void>((resolve) => {
      open = resolve;
    });
    this.gate = { promise, open };
  }

  release(): void {
    this.gate?.open();
    this.gate = null;
  }

  async fetchSnapshots(assets: readonly AssetRef[], options: FetchOptions): Promise<SnapshotOutcome[]> {
    const symbols = assets.map((a) => a.symbol);
    this.requests.push(symbols);
    this.options.log?.push(`fetch ${symbols.join(",")}`);
    this.inFlight += 1;
    this.maxInFlight = Math.max(this.maxInFlight, this.inFlight);
    try {
      if (this.gate) await abortable(this.gate.promise, options.signal);
      const outcomes = new Map<string, SnapshotOutcome>();
      for (const group of this.callGroups(assets)) {
        const { budget } = this.options;
        const budgetError = budget ? await takeCallToken(budget, options) : undefined;
        if (!budgetError) options.usage.calls += 1;
        for (const { symbol } of group) {
          const scripted = budgetError ?? this.scripts.get(symbol)?.shift() ?? "ok";
          outcomes.set(
            symbol,
            scripted === "ok"
              ? { symbol, ok: true, snapshot: makeSnapshot(symbol, this.clock.now()) }
              : { symbol, ok: false, error: scripted },
          );
        }
      }
      return symbols.map((symbol) => outcomes.get(symbol) as SnapshotOutcome);
    } finally {
      this.inFlight -= 1;
    }
  }

  private callGroups(assets: readonly AssetRef[]): AssetRef[][] {
    switch (this.options.sharing ?? "per-asset") {
      case "per-asset":
        return assets.map((asset) => [asset]);
      case "per-class": {
        const classes = [...new Set(assets.map((asset) => asset.assetType))];
        return classes.map((type) => assets.filter((asset) => asset.assetType === type));
      }
      case "per-fetch":
        return assets.length > 0 ? [[...assets]] : [];
    }
  }
}

function abortable(promise: Promise<void>, signal: AbortSignal | undefined): Promise<void> {
  if (!signal) return promise;
  if (signal.aborted) return Promise.reject(signal.reason);
  return new Promise<void>((resolve, reject) => {
    signal.addEventListener("abort", () => reject(signal.reason), { once: true });
    void promise.then(resolve);
  });
}

/**
 * Records every write; `failSaves` / `failStatus` make the next calls throw. Times of successes
 * (for markStale and lastSuccessAt) are read from `clock` when given.
 */
export class FakeStore implements AssetStore {
  readonly statusWrites: SyncStatusUpdate[][] = [];
  readonly saved: AssetSnapshot[][] = [];
  readonly status = new Map<string, SyncStatusUpdate>();
  readonly latest = new Map<string, AssetSnapshot>();
  readonly lastSuccessAt = new Map<string, number>();
  /** The `olderThanSeconds` of each markStale call. */
  readonly staleChecks: number[] = [];
  failSaves: Error | null = null;
  failStatus: Error | null = null;
  /** Unset: a store without price history. Tests set it to see the prune job's calls. */
  pruneHistory?: (now: Date) => Promise<number>;

  constructor(
    private readonly log?: CallLog,
    private readonly clock?: Clock,
  ) {}

  async saveSnapshots(snapshots: readonly AssetSnapshot[]): Promise<void> {
    this.log?.push(`save ${snapshots.map((s) => s.symbol).join(",")}`);
    if (this.failSaves) throw this.failSaves;
    this.saved.push([...snapshots]);
    for (const snapshot of snapshots) {
      this.latest.set(snapshot.symbol, snapshot);
      this.setStatus({ symbol: snapshot.symbol, status: "success", error: null });
    }
  }

  async setSyncStatus(updates: readonly SyncStatusUpdate[]): Promise<void> {
    const [first] = updates;
    this.log?.push(`status ${first?.status} ${updates.map((u) => u.symbol).join(",")}`);
    if (this.failStatus) throw this.failStatus;
    this.statusWrites.push([...updates]);
    for (const update of updates) this.setStatus(update);
  }

  async markStale(olderThanSeconds: number): Promise<string[]> {
    this.log?.push(`markStale ${olderThanSeconds}`);
    this.staleChecks.push(olderThanSeconds);
    const now = this.clock?.now() ?? Date.now();
    const stale: string[] = [];
    for (const [symbol, update] of this.status) {
      const succeededAt = this.lastSuccessAt.get(symbol);
      if (update.status !== "success" || succeededAt === undefined) continue;
      if (now - succeededAt <= olderThanSeconds * 1000) continue;
      this.status.set(symbol, { ...update, status: "stale" });
      stale.push(symbol);
    }
    return stale.sort();
  }

  async loadAssetStates(symbols?: readonly string[]): Promise<AssetState[]> {
    const wanted = symbols ?? [...this.status.keys()];
    return wanted.map((symbol) => {
      const succeededAt = this.lastSuccessAt.get(symbol);
      return {
        symbol,
        latest: this.latest.get(symbol) ?? null,
        syncStatus: this.status.get(symbol)?.status ?? null,
        lastSyncAt: null,
        lastSuccessAt: succeededAt === undefined ? null : new Date(succeededAt),
        errorMessage: this.status.get(symbol)?.error ?? null,
      };
    });
  }

  private setStatus(update: SyncStatusUpdate): void {
    this.status.set(update.symbol, update);
    if (update.status === "success") this.lastSuccessAt.set(update.symbol, this.clock?.now() ?? Date.now());
  }
}

export class FakePublisher implements PriceEventPublisher {
  readonly published: AssetSnapshot[][] = [];
  failWith: Error | null = null;

  constructor(private readonly log?: CallLog) {}

  async publish(snapshots: readonly AssetSnapshot[]): Promise<void> {
    this.log?.push(`publish ${snapshots.map((s) => s.symbol).join(",")}`);
    if (this.failWith) throw this.failWith;
    this.published.push([...snapshots]);
  }
}

export function providerError(kind: ProviderError["kind"], message = `${kind} error`): ProviderError {
  return new ProviderError(kind, message);
}
