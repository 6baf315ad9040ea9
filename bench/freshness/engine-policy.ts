/**
 * Our engine as main.ts wires it, with the real core: RateLimiter (sliding log, default margin),
 * PriorityQueue, AssetUpdater and BatchOrchestrator (whose IntervalScheduler runs on
 * toad-scheduler, here on virtual timers), the simulated Polygon client of one fetch mode, and
 * recording fakes for the store and the event publisher.
 */
import { AssetCatalog } from "../../src/config/priority-assets.js";
import type { FetchMode, Settings } from "../../src/config/settings.js";
import { RateLimiter } from "../../src/providers/rate-limiter.js";
import { AssetUpdater } from "../../src/services/asset-updater.js";
import { BatchOrchestrator } from "../../src/services/batch-orchestrator.js";
import type { Logger } from "../../src/services/ports.js";
import { PriorityQueue } from "../../src/services/priority-queue.js";
import { RecordingPublisher, RecordingStore } from "./recording-store.js";
import { SimulatedPolygon } from "./simulated-polygon.js";
import type { PolicyRun, SimulationContext } from "./simulation.js";

const silentLogger: Logger = {
  debug: () => {},
  info: () => {},
  warn: () => {},
  error: () => {},
};

export function enginePolicy(settings: Settings, mode: FetchMode) {
  return ({ clock, key, assets }: SimulationContext): PolicyRun => {
    const windowMs = settings.polygonRateWindowSeconds * 1000;
    const budget = new RateLimiter({
      limit: settings.polygonRateLimit,
      windowSeconds: settings.polygonRateWindowSeconds,
      clock,
    });
    const provider = new SimulatedPolygon({ mode, budget, key, clock, rateLimitBackoffMs: windowMs });
    const store = new RecordingStore(clock);
    const publisher = new RecordingPublisher(clock);
    const updater = new AssetUpdater({ provider, store, publisher, logger: silentLogger });
    let batches = 0;
    const orchestrator = new BatchOrchestrator({
      updater,
      queue: new PriorityQueue({ clock, agingStepMs: settings.queueAgingSeconds * 1000 }),
      catalog: new AssetCatalog(assets),
      store,
      budget,
      clock,
      logger: silentLogger,
      intervals: {
        batchSeconds: settings.batchIntervalSeconds,
        queueSeconds: settings.queueIntervalSeconds,
        queueItemsPerRun: settings.queueItemsPerRun,
        enqueueSeconds: settings.enqueueIntervalSeconds,
      },
      staleAfterSeconds: settings.staleAfterSeconds,
      idFactory: () => `b${++batches}`,
    });
    return {
      start: () => orchestrator.start(),
      stop: () => orchestrator.stop(),
      lastSuccessAt: store.lastSuccessAt,
      updates: store.updates,
      tokensSpent: () => budget.stats().totalCalls,
      check() {
        for (const [symbol, at] of store.lastSuccessAt) {
          if (publisher.lastPublishedAt.get(symbol) !== at) {
            throw new Error(`${symbol}: last stored update and last published event disagree`);
          }
        }
      },
    };
  };
}
