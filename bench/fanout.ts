/**
 * bench:fanout — price updates published on Redis at M per second reach K grpc-js
 * WatchAssetUpdates subscribers in a separate process through the real service process.
 * Prints delivered messages per second, p50/p99 latency from publish to receipt (beside a raw
 * Redis subscriber measured in the same run as the baseline) and the service's memory; then the
 * same with one extra subscriber that never reads.
 *
 * Needs PostgreSQL and Redis (DATABASE_URL / REDIS_URL, as for `npm test`).
 * Options (env): FANOUT_SUBSCRIBERS (100), FANOUT_RATE (1000 per s), FANOUT_SECONDS (5).
 */
import { type ChildProcess, spawn } from "node:child_process";
import { once } from "node:events";
import { readFileSync } from "node:fs";
import { Redis } from "ioredis";
import { TEST_REDIS_URL } from "../test/support/env.js";
import { createTestDatabase } from "../test/support/postgres.js";
import { startService } from "../test/support/service-process.js";
import { printTable } from "./support/stats.js";

const SUBSCRIBERS = Number(process.env.FANOUT_SUBSCRIBERS ?? 100);
const RATE = Number(process.env.FANOUT_RATE ?? 1000);
const SECONDS = Number(process.env.FANOUT_SECONDS ?? 5);
const SYMBOLS = ["XAUUSD", "EURUSD", "BTCUSD", "ETHUSDT", "GBPUSD", "USDJPY", "XAGUSD", "AUDUSD", "USDCAD"];
const TICK_MS = 10;

const db = await createTestDatabase();
const service = await startService({
  DATABASE_URL: db.url,
  REDIS_URL: TEST_REDIS_URL,
  // No batches during the measurement: only the published updates flow.
  BATCH_INTERVAL_SECONDS: "86400",
  QUEUE_INTERVAL_SECONDS: "86400",
  ENQUEUE_INTERVAL_SECONDS: "86400",
});
const pid = service.child.pid as number;
const publisher = new Redis(TEST_REDIS_URL);

const rows: Record<string, string | number>[] = [];
try {
  for (const stalled of [false, true]) rows.push(await scenario(stalled));
} finally {
  publisher.disconnect();
  await service.stop();
  await db.drop();
}
printTable(
  `bench:fanout — ${SUBSCRIBERS} subscribers, ${RATE} updates/s for ${SECONDS} s (latency in ms; baseline = raw Redis subscriber)`,
  rows,
);

async function scenario(stalled: boolean): Promise<Record<string, string | number>> {
  const child = spawn(
    process.execPath,
    [
      "--import",
      "tsx",
      "bench/fanout-subscribers.ts",
      service.address,
      String(SUBSCRIBERS),
      stalled ? "1" : "0",
      TEST_REDIS_URL,
    ],
    { stdio: ["ignore", "pipe", "inherit"] },
  );
  const lines = readLines(child);
  await lines.next("ready");
  await sleep(1000);
  const rssBefore = rssMb(pid);
  const rssSamples: number[] = [];
  const published = await publishFor(SECONDS * 1000, () => rssSamples.push(rssMb(pid)));
  await sleep(1000);
  child.kill("SIGTERM");
  type Summary = { count: number; p50: number; p99: number };
  const { grpc, redis } = JSON.parse(await lines.next("{")) as { grpc: Summary; redis: Summary };
  await once(child, "exit");
  const half = Math.floor(rssSamples.length / 2);
  return {
    scenario: stalled ? "+1 stalled subscriber" : "all subscribers read",
    published,
    "delivered/s": Math.round(grpc.count / SECONDS),
    "expected/s": SUBSCRIBERS * RATE,
    "grpc p50": grpc.p50,
    "grpc p99": grpc.p99,
    "redis p50": redis.p50,
    "redis p99": redis.p99,
    "p99 ratio": grpc.p99 / Math.max(1, redis.p99),
    "rss MB before": rssBefore,
    "rss MB 1st half max": Math.max(...rssSamples.slice(0, half)),
    "rss MB 2nd half max": Math.max(...rssSamples.slice(half)),
  };
}

/** Publishes RATE updates a second in pipelined ticks, each stamped with its publish time. */
async function publishFor(durationMs: number, sample: () => void): Promise<number> {
  const perTick = Math.max(1, Math.round((RATE * TICK_MS) / 1000));
  const start = Date.now();
  let published = 0;
  let nextSample = start;
  for (let tick = 0; Date.now() - start < durationMs; tick++) {
    const pipeline = publisher.pipeline();
    for (let i = 0; i < perTick; i++) {
      const symbol = SYMBOLS[(published + i) % SYMBOLS.length] as string;
      const price = 100 + Math.random();
      const body = {
        type: "price_update",
        symbol,
        data: {
          bid: price,
          ask: price + 0.01,
          spread: 0.01,
          last_price: price + 0.005,
          timestamp: new Date().toISOString(),
        },
      };
      pipeline.publish(`asset:update:${symbol}`, JSON.stringify(body));
    }
    await pipeline.exec();
    published += perTick;
    if (Date.now() >= nextSample) {
      sample();
      nextSample += 500;
    }
    const due = start + (tick + 1) * TICK_MS;
    await sleep(Math.max(0, due - Date.now()));
  }
  return published;
}

function rssMb(processId: number): number {
  const match = readFileSync(`/proc/${processId}/status`, "utf8").match(/VmRSS:\s+(\d+) kB/);
  return Math.round(Number(match?.[1] ?? 0) / 1024);
}

function readLines(child: ChildProcess): { next(prefix: string): Promise<string> } {
  let buffer = "";
  const waiting: Array<{ prefix: string; resolve: (line: string) => void }> = [];
  const seen: string[] = [];
  child.stdout?.on("data", (chunk: Buffer) => {
    buffer += chunk.toString("utf8");
    let newline = buffer.indexOf("\n");
    while (newline >= 0) {
      const line = buffer.slice(0, newline);
      buffer = buffer.slice(newline + 1);
      const waiter = waiting.find((w) => line.startsWith(w.prefix));
      if (waiter) {
        waiting.splice(waiting.indexOf(waiter), 1);
        waiter.resolve(line);
      } else {
        seen.push(line);
      }
      newline = buffer.indexOf("\n");
    }
  });
  return {
    next(prefix) {
      const earlier = seen.find((line) => line.startsWith(prefix));
      if (earlier) return Promise.resolve(earlier);
      return new Promise((resolve) => waiting.push({ prefix, resolve }));
    },
  };
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
