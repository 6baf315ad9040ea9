/**
 * bench:ingest — N price snapshots a round through the real AssetUpdater (an instant fake
 * provider) into the real PostgreSQL store and the real Redis publisher, beside a raw `unnest`
 * write of the same rows (bench/ingest/raw-upsert.ts: metadata merge + history insert in one
 * statement) measured in the same run on the same tables. Prints both rates, the ratio (goal: the
 * service path at least half the raw rate) and where the service path spends its time.
 *
 * Service path, per round: AssetUpdater.updateAssets(all N assets) = setSyncStatus(IN_PROGRESS)
 * (1 statement), the instant fetch, saveSnapshots (1 statement: metadata merge + history rows +
 * SUCCESS status), and one pipelined Redis publish of N events (MonitoredPublisher, as main.ts).
 *
 * Method: wall time of each call; rounds alternate which path goes first; two warm-up rounds of
 * each are not counted; each rate is the median over the rounds.
 * Needs PostgreSQL and Redis (DATABASE_URL / REDIS_URL, as for `npm test`).
 * Options (env): INGEST_ASSETS (1000 snapshots a round), INGEST_ROUNDS (20, at least 5).
 */
import { performance } from "node:perf_hooks";
import { MonitoredPublisher } from "../src/events/monitored-publisher.js";
import { openEvents } from "../src/events/open-events.js";
import type { AssetSnapshot } from "../src/models/batch.js";
import { AssetUpdater } from "../src/services/asset-updater.js";
import { systemClock } from "../src/services/clock.js";
import type { AssetStore, Logger, PriceEventPublisher } from "../src/services/ports.js";
import { openStore } from "../src/store/open-store.js";
import { TEST_REDIS_URL } from "../test/support/env.js";
import { createTestDatabase } from "../test/support/postgres.js";
import { randomChannelPrefix } from "../test/support/redis.js";
import { rawUpsert } from "./ingest/raw-upsert.js";
import { benchCatalog, InstantProvider, roundSnapshots } from "./ingest/workload.js";
import { median, printTable } from "./support/stats.js";

const ASSETS = Number(process.env.INGEST_ASSETS ?? 1000);
const ROUNDS = Math.max(5, Number(process.env.INGEST_ROUNDS ?? 20));
const WARMUP_ROUNDS = 2;

const silent: Logger = { debug() {}, info() {}, warn() {}, error() {} };

/** Milliseconds spent in each port call of the current round. */
const spent = { status: 0, save: 0, publish: 0 };

async function timed<T>(key: keyof typeof spent, work: () => Promise<T>): Promise<T> {
  const start = performance.now();
  try {
    return await work();
  } finally {
    spent[key] += performance.now() - start;
  }
}

const db = await createTestDatabase();
const storage = await openStore({ databaseUrl: db.url, dataDir: "unused" });
const events = await openEvents({ redisUrl: TEST_REDIS_URL, channelPrefix: randomChannelPrefix() });
try {
  const catalog = benchCatalog(ASSETS);
  await storage.store.upsertCatalog(catalog);

  // Counts the statements each path sends.
  let statements = 0;
  const query = storage.pool.query.bind(storage.pool);
  storage.pool.query = ((...args: Parameters<typeof query>) => {
    statements += 1;
    return query(...args);
  }) as typeof storage.pool.query;

  // The real store and publisher, timed per call.
  const store: AssetStore = {
    saveSnapshots: (s) => timed("save", () => storage.store.saveSnapshots(s)),
    setSyncStatus: (u) => timed("status", () => storage.store.setSyncStatus(u)),
    loadAssetStates: (s) => storage.store.loadAssetStates(s),
    markStale: (s) => storage.store.markStale(s),
  };
  const monitored = new MonitoredPublisher(events.publisher, systemClock, silent);
  const publisher: PriceEventPublisher = { publish: (s) => timed("publish", () => monitored.publish(s)) };
  const provider = new InstantProvider();
  const updater = new AssetUpdater({ provider, store, publisher, logger: silent });

  interface Sample {
    ms: number;
    statements: number;
  }
  const service: (Sample & typeof spent)[] = [];
  const raw: Sample[] = [];

  const runService = async (snapshots: AssetSnapshot[]): Promise<Sample & typeof spent> => {
    provider.serve(snapshots);
    Object.assign(spent, { status: 0, save: 0, publish: 0 });
    statements = 0;
    const start = performance.now();
    const report = await updater.updateAssets(catalog);
    const ms = performance.now() - start;
    if (report.updated.length !== ASSETS) {
      throw new Error(
        `service path stored ${report.updated.length} of ${ASSETS}: ${report.failed[0]?.error}`,
      );
    }
    return { ms, statements, ...spent };
  };
  const runRaw = async (snapshots: AssetSnapshot[]): Promise<Sample> => {
    statements = 0;
    const start = performance.now();
    await rawUpsert(storage.pool, snapshots);
    return { ms: performance.now() - start, statements };
  };

  for (let round = 0; round < WARMUP_ROUNDS + ROUNDS; round++) {
    const snapshots = roundSnapshots(catalog, round);
    const counted = round >= WARMUP_ROUNDS;
    // Alternate the order so neither path always meets the other's aftermath (autovacuum, WAL).
    for (const path of round % 2 === 0 ? ["service", "raw"] : ["raw", "service"]) {
      if (path === "service") {
        const sample = await runService(snapshots);
        if (counted) service.push(sample);
      } else {
        const sample = await runRaw(snapshots);
        if (counted) raw.push(sample);
      }
    }
  }

  await verify(storage.pool, (WARMUP_ROUNDS + ROUNDS) * ASSETS * 2, monitored);

  const rate = (samples: readonly Sample[]) => median(samples.map((s) => ASSETS / (s.ms / 1000)));
  const row = (name: string, samples: readonly Sample[]) => ({
    path: name,
    "statements/round": median(samples.map((s) => s.statements)),
    "median ms/round": median(samples.map((s) => s.ms)),
    "rows/s (median)": Math.round(rate(samples)),
    "rows/s min": Math.round(Math.min(...samples.map((s) => ASSETS / (s.ms / 1000)))),
    "rows/s max": Math.round(Math.max(...samples.map((s) => ASSETS / (s.ms / 1000)))),
  });
  printTable(
    `bench:ingest — ${ASSETS} snapshots a round, ${ROUNDS} rounds (+${WARMUP_ROUNDS} warm-up), PostgreSQL + Redis`,
    [row("service: AssetUpdater -> store + Redis", service), row("raw: unnest merge + history, 1 stmt", raw)],
  );
  const ratio = rate(service) / rate(raw);
  printTable("service path, median ms per round by step", [
    {
      "IN_PROGRESS status": median(service.map((s) => s.status)),
      "saveSnapshots (merge+history+SUCCESS)": median(service.map((s) => s.save)),
      "Redis publish": median(service.map((s) => s.publish)),
      "rest (updater)": median(service.map((s) => s.ms - s.status - s.save - s.publish)),
    },
  ]);
  process.stdout.write(
    `\nratio service/raw = ${ratio.toFixed(2)} (goal >= 0.50: ${ratio >= 0.5 ? "met" : "MISSED"})\n`,
  );
} finally {
  await events.close();
  await storage.close();
  await db.drop();
}

/** The run really stored and published everything it claims. */
async function verify(
  pool: typeof storage.pool,
  expectedHistoryRows: number,
  monitored: MonitoredPublisher,
): Promise<void> {
  const { rows } = await pool.query<{ history: string; success: string }>(
    `SELECT (SELECT count(*) FROM trading.price_snapshots) AS history,
            (SELECT count(*) FROM data_sources.data_sync_status WHERE sync_status = 'success') AS success`,
  );
  const [counts] = rows;
  if (Number(counts?.history) !== expectedHistoryRows || Number(counts?.success) !== ASSETS) {
    throw new Error(`unexpected database state: ${JSON.stringify(counts)}`);
  }
  const { failedPublishes } = monitored.health();
  if (failedPublishes > 0) throw new Error(`${failedPublishes} Redis publishes failed`);
}
