/**
 * The real engine in this process, for the engine and in-process e2e tests: the sandbox over
 * HTTP, RateLimiter, PolygonClient, a fresh PostgreSQL database (store + migrations), price
 * events (the in-process bus, or Redis on a channel prefix of its own), AssetUpdater,
 * PriorityQueue and BatchOrchestrator (not started: tests drive it). `provider` can be swapped, e.g. for a client with a rejected key.
 */
import pg from "pg";
import { AssetCatalog, DEFAULT_ASSETS } from "../../../src/config/priority-assets.js";
import { InProcessPriceBus } from "../../../src/events/in-process-price-bus.js";
import { type OpenedEvents, openEvents } from "../../../src/events/open-events.js";
import { RedisPriceEventSource } from "../../../src/events/redis-price-event-source.js";
import type { SyncStatus } from "../../../src/models/batch.js";
import { PolygonClient, type PolygonClientOptions } from "../../../src/providers/polygon-client.js";
import { RateLimiter } from "../../../src/providers/rate-limiter.js";
import { type Sandbox, startSandbox } from "../../../src/providers/sandbox/server.js";
import { AssetUpdater } from "../../../src/services/asset-updater.js";
import { BatchOrchestrator, type OrchestratorIntervals } from "../../../src/services/batch-orchestrator.js";
import { systemClock } from "../../../src/services/clock.js";
import type { MarketDataProvider } from "../../../src/services/ports.js";
import { PriorityQueue } from "../../../src/services/priority-queue.js";
import { type OpenedStore, openStore } from "../../../src/store/open-store.js";
import { FakeLogger } from "../../support/fakes.js";
import { createTestDatabase, type TestDatabase } from "../../support/postgres.js";
import { randomChannelPrefix } from "../../support/redis.js";

export const ENGINE_KEY = "engine-test-key-7f3a";
export const CRITICAL = ["XAUUSD", "EURUSD", "BTCUSD"];

export interface EngineOptions {
  /** Calls per `windowMs`, for the sandbox's key and the limiter alike. Default 1000. */
  limit?: number;
  windowMs?: number;
  client?: Partial<PolygonClientOptions>;
  intervals?: Partial<OrchestratorIntervals>;
  /** Price events through this Redis; default the in-process bus. */
  redisUrl?: string;
  /** The queue's aging step (QUEUE_AGING_SECONDS); default the queue's, 5 min. */
  queueAgingMs?: number;
}

export interface Engine {
  sandbox: Sandbox;
  database: TestDatabase;
  opened: OpenedStore;
  events: OpenedEvents;
  /** Open subscriptions to the price events: one per WatchAssetUpdates stream. */
  subscriberCount(): number;
  budget: RateLimiter;
  catalog: AssetCatalog;
  logger: FakeLogger;
  queue: PriorityQueue;
  orchestrator: BatchOrchestrator;
  /** A PolygonClient on the sandbox with `apiKey` (default the sandbox's key); closed by close(). */
  newClient(apiKey?: string): PolygonClient;
  /** The provider the updater calls; assign to swap it. */
  provider: MarketDataProvider;
  /** data_sync_status rows by symbol. */
  syncRows(symbols?: readonly string[]): Promise<Map<string, SyncRow>>;
  close(): Promise<void>;
}

export interface SyncRow {
  status: SyncStatus;
  error: string | null;
}

export async function startEngine(options: EngineOptions = {}): Promise<Engine> {
  const limit = options.limit ?? 1000;
  const windowMs = options.windowMs ?? 60_000;
  const closers: Array<() => Promise<void>> = [];
  const sandbox = await startSandbox({ keys: [{ key: ENGINE_KEY, plan: "paid", limit, windowMs }] });
  closers.unshift(() => sandbox.close());
  const database = await createTestDatabase();
  closers.unshift(() => database.drop());
  const opened = await openStore({ databaseUrl: database.url, dataDir: "unused" });
  closers.unshift(() => opened.close());
  const pool = new pg.Pool({ connectionString: database.url, max: 1 });
  closers.unshift(() => pool.end());

  const catalog = new AssetCatalog(DEFAULT_ASSETS);
  await opened.store.upsertCatalog(catalog.all());
  const logger = new FakeLogger();
  const events = await openEvents({
    redisUrl: options.redisUrl,
    channelPrefix: randomChannelPrefix(),
    logger,
  });
  closers.unshift(() => events.close());
  const { source } = events;
  const subscriberCount = (): number => {
    if (source instanceof InProcessPriceBus || source instanceof RedisPriceEventSource) {
      return source.subscriberCount;
    }
    throw new Error("unknown price event source");
  };
  const budget = new RateLimiter({ limit, windowSeconds: windowMs / 1000, clock: systemClock });
  const newClient = (apiKey = ENGINE_KEY): PolygonClient => {
    const client = new PolygonClient({
      baseUrl: sandbox.url,
      apiKey,
      budget,
      rateLimitBackoffMs: windowMs,
      clock: systemClock,
      logger,
      ...options.client,
    });
    closers.unshift(() => client.close());
    return client;
  };
  const engine = { provider: newClient() as MarketDataProvider } as Engine;
  // The updater reads `engine.provider` at each fetch, so a test can swap it.
  const provider: MarketDataProvider = {
    fetchSnapshots: (assets, fetchOptions) => engine.provider.fetchSnapshots(assets, fetchOptions),
    callsFor: (assets) => engine.provider.callsFor(assets),
  };
  const updater = new AssetUpdater({ provider, store: opened.store, publisher: events.publisher, logger });
  const queue = new PriorityQueue({
    clock: systemClock,
    ...(options.queueAgingMs === undefined ? {} : { agingStepMs: options.queueAgingMs }),
  });
  const orchestrator = new BatchOrchestrator({
    updater,
    queue,
    catalog,
    store: opened.store,
    budget,
    clock: systemClock,
    logger,
    intervals: {
      batchSeconds: 3600,
      queueSeconds: 3600,
      queueItemsPerRun: 2,
      enqueueSeconds: 3600,
      ...options.intervals,
    },
    staleAfterSeconds: 900,
    stopGraceMs: 1000,
  });
  closers.unshift(() => orchestrator.stop());

  return Object.assign(engine, {
    sandbox,
    database,
    opened,
    events,
    subscriberCount,
    budget,
    catalog,
    logger,
    queue,
    orchestrator,
    newClient,
    async syncRows(symbols?: readonly string[]) {
      const { rows } = await pool.query<{
        symbol: string;
        sync_status: SyncStatus;
        error_message: string | null;
      }>(
        `SELECT s.symbol, st.sync_status, st.error_message
           FROM data_sources.data_sync_status st JOIN trading.symbols s ON s.id = st.ticker_id
          WHERE $1::text[] IS NULL OR s.symbol = ANY($1)`,
        [symbols ?? null],
      );
      return new Map(rows.map((r) => [r.symbol, { status: r.sync_status, error: r.error_message }]));
    },
    async close() {
      for (const close of closers) {
        await close().catch(() => {});
      }
    },
  });
}
