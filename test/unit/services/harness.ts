/** Wires a BatchOrchestrator to fakes, for the orchestrator and scheduler tests. */
import { AssetCatalog, DEFAULT_ASSETS } from "../../../src/config/priority-assets.js";
import type { AssetDefinition } from "../../../src/models/batch.js";
import { RateLimiter } from "../../../src/providers/rate-limiter.js";
import { AssetUpdater } from "../../../src/services/asset-updater.js";
import { BatchOrchestrator, type OrchestratorIntervals } from "../../../src/services/batch-orchestrator.js";
import type { Clock } from "../../../src/services/ports.js";
import { PriorityQueue } from "../../../src/services/priority-queue.js";
import {
  type FakeCallSharing,
  FakeLogger,
  FakeProvider,
  FakePublisher,
  FakeStore,
} from "../../support/fakes.js";

export const INTERVALS: OrchestratorIntervals = {
  batchSeconds: 300,
  queueSeconds: 15,
  queueItemsPerRun: 2,
  enqueueSeconds: 1800,
};

export interface HarnessOptions {
  /** FakeClock for most tests; a Date.now clock under vi.useFakeTimers(). */
  clock: Clock;
  /** Call budget per `rateWindowSeconds` (default 60); unlimited when unset. */
  rateLimit?: number;
  rateWindowSeconds?: number;
  /** The limiter's margin; default 0 so most tests see the bare window. */
  rateMarginMs?: number;
  maxQueueSize?: number;
  intervals?: Partial<OrchestratorIntervals>;
  /** Default 900, as STALE_AFTER_SECONDS. */
  staleAfterSeconds?: number;
  /** How the fake provider's calls serve assets; default one call per asset (single mode). */
  sharing?: FakeCallSharing;
}

export function createHarness(options: HarnessOptions) {
  const { clock } = options;
  const catalog = new AssetCatalog(DEFAULT_ASSETS);
  const budget = new RateLimiter({
    limit: options.rateLimit ?? 1000,
    windowSeconds: options.rateWindowSeconds ?? 60,
    marginMs: options.rateMarginMs ?? 0,
    clock,
  });
  const provider = new FakeProvider(clock, {
    budget,
    ...(options.sharing ? { sharing: options.sharing } : {}),
  });
  const store = new FakeStore(undefined, clock);
  const publisher = new FakePublisher();
  const logger = new FakeLogger();
  const queue = new PriorityQueue({
    clock,
    ...(options.maxQueueSize ? { maxSize: options.maxQueueSize } : {}),
  });
  const updater = new AssetUpdater({ provider, store, publisher, logger });
  let nextId = 0xa;
  const orchestrator = new BatchOrchestrator({
    updater,
    queue,
    catalog,
    store,
    budget,
    clock,
    logger,
    intervals: { ...INTERVALS, ...options.intervals },
    staleAfterSeconds: options.staleAfterSeconds ?? 900,
    idFactory: () => (nextId++).toString(16).padStart(8, "0"),
  });
  return { catalog, budget, provider, store, publisher, logger, queue, updater, orchestrator };
}

export function catalogAsset(catalog: AssetCatalog, symbol: string): AssetDefinition {
  const asset = catalog.get(symbol);
  if (asset === undefined) throw new Error(`test setup: ${symbol} is not in the catalog`);
  return asset;
}

/** Log messages with their trigger, e.g. "priority batch started manual". */
export function batchEvents(logger: FakeLogger): string[] {
  return logger.entries
    .filter((e) => e.msg?.startsWith("priority batch"))
    .map((e) => `${e.msg} ${(e.obj as { trigger?: string }).trigger}`);
}
