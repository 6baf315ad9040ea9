/**
 * Composition root: config → adapters → services → server → signals. The only file that reads
 * the environment and listens.
 */
import { randomBytes } from "node:crypto";
import type { AddressInfo } from "node:net";
import { BatchService } from "../gen/batch/v1/batch_pb.js";
import { HealthCheckResponse_ServingStatus as ServingStatus } from "../gen/grpc/health/v1/health_pb.js";
import { createAdminGuard } from "./api/auth.js";
import { createBatchService } from "./api/batch-service.js";
import { HealthRegistry, watchProviderHealth } from "./api/health.js";
import {
  EVENTS_HEALTH_NAME,
  HEALTH_SERVICE_NAMES,
  PROVIDER_HEALTH_NAME,
  STORE_HEALTH_NAME,
} from "./api/routes.js";
import { watchStoreHealth } from "./api/store-probe.js";
import { type AssetCatalog, loadAssetCatalog } from "./config/priority-assets.js";
import { loadSettings, type Settings } from "./config/settings.js";
import { MonitoredPublisher } from "./events/monitored-publisher.js";
import { openEvents } from "./events/open-events.js";
import { createLogger } from "./logger.js";
import { PolygonClient } from "./providers/polygon-client.js";
import { RateLimiter } from "./providers/rate-limiter.js";
import { startSandbox } from "./providers/sandbox/server.js";
import { buildServer } from "./server.js";
import { AssetUpdater } from "./services/asset-updater.js";
import { BatchOrchestrator } from "./services/batch-orchestrator.js";
import { systemClock } from "./services/clock.js";
import { PriorityQueue } from "./services/priority-queue.js";
import { openStore } from "./store/open-store.js";

/** Exit code for a configuration the service cannot start with. */
const EXIT_BAD_CONFIG = 2;
/** How often the database is pinged for grpc.health.v1. */
const STORE_PROBE_INTERVAL_MS = 5000;
/** Shutdown must finish within 10 s; leave room below it. */
const SHUTDOWN_DEADLINE_MS = 9000;

function readConfig(): { settings: Settings; catalog: AssetCatalog } {
  try {
    const settings = loadSettings(process.env);
    return { settings, catalog: loadAssetCatalog(settings.assetsFile) };
  } catch (err) {
    // Catalog errors already start with "ASSETS_FILE <path>:".
    const message = err instanceof Error ? err.message : String(err);
    process.stderr.write(`data-service: configuration error: ${message}\n`);
    process.exit(EXIT_BAD_CONFIG);
  }
}

async function main(): Promise<void> {
  const { settings, catalog } = readConfig();
  const logger = createLogger(settings.logLevel);
  const clock = systemClock;
  const closers: Array<() => Promise<void>> = [];
  const health = new HealthRegistry(HEALTH_SERVICE_NAMES);

  let provider: { baseUrl: string; apiKey: string };
  if (settings.polygonApiKey) {
    provider = { baseUrl: settings.polygonBaseUrl, apiKey: settings.polygonApiKey };
  } else {
    const key = randomBytes(16).toString("hex");
    const sandbox = await startSandbox({
      keys: [
        {
          key,
          plan: "paid",
          limit: settings.polygonRateLimit,
          windowMs: settings.polygonRateWindowSeconds * 1000,
        },
      ],
    });
    closers.push(() => sandbox.close());
    provider = { baseUrl: sandbox.url, apiKey: key };
    logger.info(
      { url: sandbox.url },
      "POLYGON_API_KEY is unset: using the built-in sandbox provider (simulated market)",
    );
  }

  const budget = new RateLimiter({
    limit: settings.polygonRateLimit,
    windowSeconds: settings.polygonRateWindowSeconds,
    clock,
  });
  const client = new PolygonClient({
    ...provider,
    mode: settings.polygonFetchMode,
    budget,
    // A 429 without Retry-After pauses the budget for one full window of the key.
    rateLimitBackoffMs: settings.polygonRateWindowSeconds * 1000,
    clock,
    logger,
  });
  // Closed before the sandbox it may be talking to.
  closers.unshift(() => client.close());

  const storage = await openStore({
    databaseUrl: settings.databaseUrl,
    dataDir: settings.dataDir,
    historyRetentionDays: settings.historyRetentionDays,
    logger,
  });
  closers.unshift(() => storage.close());
  await storage.store.upsertCatalog(catalog.all());
  const events = await openEvents({ redisUrl: settings.redisUrl, logger });
  closers.unshift(() => events.close());
  // Prices are stored whatever happens to the bus; its outages show in health and GetStatus.
  const publisher = new MonitoredPublisher(events.publisher, clock, logger, (healthy) =>
    health.set(EVENTS_HEALTH_NAME, healthy ? ServingStatus.SERVING : ServingStatus.NOT_SERVING),
  );
  logger.info({ store: storage.kind, events: events.kind }, "storage ready");

  const queue = new PriorityQueue({ clock, agingStepMs: settings.queueAgingSeconds * 1000 });
  const updater = new AssetUpdater({
    provider: client,
    store: storage.store,
    publisher,
    logger,
  });
  const orchestrator = new BatchOrchestrator({
    updater,
    queue,
    catalog,
    store: storage.store,
    budget,
    clock,
    logger,
    intervals: {
      batchSeconds: settings.batchIntervalSeconds,
      queueSeconds: settings.queueIntervalSeconds,
      queueItemsPerRun: settings.queueItemsPerRun,
      enqueueSeconds: settings.enqueueIntervalSeconds,
    },
    staleAfterSeconds: settings.staleAfterSeconds,
  });
  // A key the provider rejects shows as data_service.provider NOT_SERVING until it works again.
  watchProviderHealth(health, orchestrator, PROVIDER_HEALTH_NAME);

  const server = buildServer({
    batchService: createBatchService({
      orchestrator,
      catalog,
      store: storage.store,
      budget,
      prices: events.source,
      eventBus: { backend: events.kind, health: () => publisher.health() },
      clock,
      staleAfterSeconds: settings.staleAfterSeconds,
      requireAdmin: createAdminGuard(settings.batchAdminToken),
    }),
    health,
    logger,
  });
  await new Promise<void>((resolve, reject) => {
    server.http.once("error", reject);
    server.http.listen(settings.port, settings.host, () => resolve());
  });
  await storage.store.ping();
  health.setAll(ServingStatus.SERVING);
  // Reads need the database: the whole server and BatchService follow it, not just its own name.
  const stopStoreProbe = watchStoreHealth({
    registry: health,
    ping: () => storage.store.ping(),
    names: ["", BatchService.typeName, STORE_HEALTH_NAME],
    intervalMs: STORE_PROBE_INTERVAL_MS,
    logger,
  });
  orchestrator.start();
  const { address, port } = server.http.address() as AddressInfo;
  logger.info(
    { address, port, adminRpcs: settings.batchAdminToken ? "enabled" : "disabled (BATCH_ADMIN_TOKEN unset)" },
    "data-service listening",
  );

  let stopping = false;
  const stop = async (signal: string): Promise<void> => {
    if (stopping) return;
    stopping = true;
    logger.info({ signal }, "shutting down");
    setTimeout(() => {
      logger.error({}, "shutdown deadline passed; exiting");
      process.exit(1);
    }, SHUTDOWN_DEADLINE_MS).unref();
    stopStoreProbe();
    health.setAll(ServingStatus.NOT_SERVING);
    await orchestrator.stop();
    await server.close();
    for (const close of closers) await close();
    logger.info({}, "stopped");
    process.exit(0);
  };
  process.once("SIGTERM", () => void stop("SIGTERM"));
  process.once("SIGINT", () => void stop("SIGINT"));
}

main().catch((err: unknown) => {
  process.stderr.write(
    `data-service: failed to start: ${err instanceof Error ? err.message : String(err)}\n`,
  );
  process.exit(1);
});
