import { Redis } from "ioredis";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { DEFAULT_ASSETS } from "../../../src/config/priority-assets.js";
import { MonitoredPublisher } from "../../../src/events/monitored-publisher.js";
import { type OpenedEvents, openEvents } from "../../../src/events/open-events.js";
import { PolygonClient } from "../../../src/providers/polygon-client.js";
import { RateLimiter } from "../../../src/providers/rate-limiter.js";
import { type Sandbox, startSandbox } from "../../../src/providers/sandbox/server.js";
import { AssetUpdater } from "../../../src/services/asset-updater.js";
import { systemClock } from "../../../src/services/clock.js";
import { type OpenedStore, openStore } from "../../../src/store/open-store.js";
import { FakeLogger } from "../../support/fakes.js";
import { createTestDatabase, type TestDatabase } from "../../support/postgres.js";
import { type PrivateRedis, startPrivateRedis } from "../../support/redis.js";

const KEY = "outage-test-key-0001";
const CRITICAL = DEFAULT_ASSETS.filter((a) => a.priority === 1);

/** Real sandbox over HTTP, real PostgreSQL, a private Redis that the test kills and restarts. */
describe("a Redis outage", () => {
  let db: TestDatabase;
  let storage: OpenedStore;
  let redis: PrivateRedis;
  let events: OpenedEvents;
  let sandbox: Sandbox;
  let client: PolygonClient;

  beforeAll(async () => {
    db = await createTestDatabase();
    storage = await openStore({ databaseUrl: db.url, dataDir: "unused" });
    redis = await startPrivateRedis();
    events = await openEvents({ redisUrl: redis.url });
    sandbox = await startSandbox({ keys: [{ key: KEY, plan: "paid", limit: 1000, windowMs: 60_000 }] });
    const budget = new RateLimiter({ limit: 1000, windowSeconds: 60, clock: systemClock });
    client = new PolygonClient({ baseUrl: sandbox.url, apiKey: KEY, budget });
  });

  afterAll(async () => {
    await client?.close();
    await sandbox?.close();
    await events?.close();
    await redis?.stop();
    await storage?.close();
    await db?.drop();
  });

  it("loses no database write, is counted and reported, and recovers when Redis returns", async () => {
    const logger = new FakeLogger();
    const healthChanges: boolean[] = [];
    const publisher = new MonitoredPublisher(events.publisher, systemClock, logger, (h) =>
      healthChanges.push(h),
    );
    const updater = new AssetUpdater({ provider: client, store: storage.store, publisher, logger });

    await redis.stop();
    for (let round = 0; round < 3; round++) {
      const report = await updater.updateAssets(CRITICAL, {});
      expect(report.updated.map((s) => s.symbol)).toEqual(CRITICAL.map((a) => a.symbol));
    }
    const { rows } = await storage.pool.query<{ symbol: string; sync_status: string; bid: string }>(
      `SELECT s.symbol, st.sync_status, s.metadata->'last_update'->>'bid' AS bid
         FROM trading.symbols s JOIN data_sources.data_sync_status st ON st.ticker_id = s.id
        WHERE s.symbol = ANY($1)`,
      [CRITICAL.map((a) => a.symbol)],
    );
    expect(rows).toHaveLength(3);
    for (const row of rows) {
      expect(row.sync_status).toBe("success");
      expect(Number(row.bid)).toBeGreaterThan(0);
    }
    expect(publisher.health()).toMatchObject({ healthy: false, failedPublishes: 3, lostEvents: 9 });
    expect(
      logger.entries.filter((e) => e.level === "warn" && e.msg?.includes("cannot be published")),
    ).toHaveLength(1);

    await redis.restart();
    const listener = new Redis(redis.url);
    const received: string[] = [];
    listener.on("pmessage", (_p, channel) => received.push(channel));
    await listener.psubscribe("asset:update:*");
    // ioredis reconnects with backoff; publish until an update gets through.
    for (let i = 0; i < 30 && received.length === 0; i++) {
      await updater.updateAssets(CRITICAL.slice(0, 1), {});
      await new Promise((r) => setTimeout(r, 500));
    }
    await listener.quit();
    expect(received).toContain("asset:update:XAUUSD");
    expect(publisher.health().healthy).toBe(true);
    expect(healthChanges).toEqual([false, true]);
  });
});
