/**
 * The streaming RPCs through the real server (buildServer, HTTP/2 on an ephemeral port) and real
 * grpc-js clients, over the real engine in this process (sandbox, PostgreSQL, and price events
 * through the in-process bus or Redis), so the server's own counters can be read: no
 * WatchAssetUpdates subscriber is left after a cancel, a stalled client's cancel or a shutdown,
 * and StreamQueueStats reports queue changes at once.
 */
import { once } from "node:events";
import type { AddressInfo } from "node:net";
import * as grpc from "@grpc/grpc-js";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { HealthCheckResponse_ServingStatus as ServingStatus } from "../../gen/grpc/health/v1/health_pb.js";
import { createAdminGuard } from "../../src/api/auth.js";
import { createBatchService } from "../../src/api/batch-service.js";
import { HealthRegistry } from "../../src/api/health.js";
import { HEALTH_SERVICE_NAMES } from "../../src/api/routes.js";
import { buildServer, type DataServiceServer } from "../../src/server.js";
import { systemClock } from "../../src/services/clock.js";
import { CRITICAL, type Engine, startEngine } from "../integration/engine/engine.js";
import { TEST_REDIS_URL } from "../support/env.js";
import { makeSnapshot } from "../support/fakes.js";
import { bearer, createGrpcClients, type GrpcClients, unary } from "../support/grpc-clients.js";
import { finalStatus, waitFor } from "../support/streams.js";

const TOKEN = "streams-e2e-admin-token-01";

interface PriceMessage {
  price: { symbol: string; bid: number };
  initial: boolean;
}
interface StatsMessage {
  stats: { size: number; observedAt: unknown };
}

async function serve(engine: Engine): Promise<{ server: DataServiceServer; address: string }> {
  const health = new HealthRegistry(HEALTH_SERVICE_NAMES);
  const server = buildServer({
    batchService: createBatchService({
      orchestrator: engine.orchestrator,
      catalog: engine.catalog,
      store: engine.opened.store,
      budget: engine.budget,
      prices: engine.events.source,
      eventBus: {
        backend: "in-process",
        health: () => ({ healthy: true, failedPublishes: 0, lostEvents: 0, outageSince: null }),
      },
      clock: systemClock,
      staleAfterSeconds: 900,
      requireAdmin: createAdminGuard(TOKEN),
    }),
    health,
    logger: engine.logger,
  });
  server.http.listen(0, "127.0.0.1");
  await once(server.http, "listening");
  health.setAll(ServingStatus.SERVING);
  return { server, address: `127.0.0.1:${(server.http.address() as AddressInfo).port}` };
}

function watchPrices(clients: GrpcClients, symbols: string[]): grpc.ClientReadableStream<PriceMessage> {
  return (clients.batch.WatchAssetUpdates as (req: object) => grpc.ClientReadableStream<PriceMessage>)({
    symbols,
  });
}

function streamStats(clients: GrpcClients, seconds: number): grpc.ClientReadableStream<StatsMessage> {
  return (clients.batch.StreamQueueStats as (req: object) => grpc.ClientReadableStream<StatsMessage>)({
    interval: { seconds, nanos: 0 },
  });
}

/** Collects a stream's messages and keeps its end from being an unhandled error. */
function record<T>(stream: grpc.ClientReadableStream<T>): { messages: T[]; end: Promise<grpc.StatusObject> } {
  const messages: T[] = [];
  stream.on("data", (message: T) => messages.push(message));
  return { messages, end: finalStatus(stream) };
}

describe.each([
  { bus: "in-process", redisUrl: undefined },
  { bus: "Redis", redisUrl: TEST_REDIS_URL },
])("streams over the real server (grpc-js, $bus events)", ({ redisUrl }) => {
  let engine: Engine;
  let served: { server: DataServiceServer; address: string };
  let clients: GrpcClients;

  beforeAll(async () => {
    engine = await startEngine({ redisUrl });
    // A first batch, so WatchAssetUpdates has initial snapshots to send.
    await engine.orchestrator.runManualBatch();
    served = await serve(engine);
    clients = createGrpcClients(served.address);
  });
  afterAll(async () => {
    clients?.close();
    await served?.server.close(100);
    await engine?.close();
  });

  it("WatchAssetUpdates: live updates reach every stream, and cancelled streams leave no subscriber", async () => {
    const { orchestrator, subscriberCount } = engine;
    const filters = [[], ["XAUUSD"], ["EURUSD", "BTCUSD"], ["XAUUSD", "GBPUSD"], CRITICAL];
    const streams = filters.map((symbols) => {
      const stream = watchPrices(clients, symbols);
      return { stream, symbols, ...record(stream) };
    });
    await waitFor(() => subscriberCount() === filters.length);
    await waitFor(() => streams.every((s) => s.messages.some((m) => m.initial)));

    await orchestrator.runManualBatch();
    for (const { messages, symbols } of streams) {
      const wanted = CRITICAL.filter((symbol) => symbols.length === 0 || symbols.includes(symbol));
      await waitFor(() =>
        wanted.every((symbol) => messages.some((m) => !m.initial && m.price.symbol === symbol)),
      );
      expect(messages.every((m) => symbols.length === 0 || symbols.includes(m.price.symbol))).toBe(true);
    }

    for (const { stream } of streams) stream.cancel();
    for (const { end } of streams) expect((await end).code).toBe(grpc.status.CANCELLED);
    await waitFor(() => subscriberCount() === 0);
  });

  it("WatchAssetUpdates: a stalled client that cancels leaves no subscriber behind", async () => {
    const { events, subscriberCount } = engine;
    const stalled = watchPrices(clients, []);
    const { end } = record(stalled);
    await waitFor(() => subscriberCount() === 1);
    // The client stops reading; the server keeps publishing far past the HTTP/2 windows.
    stalled.pause();
    const symbols = engine.catalog.all().map((a) => a.symbol);
    const started = Date.now();
    for (let round = 0; round < 3000; round++) {
      await events.publisher.publish(
        symbols.map((symbol) => makeSnapshot(symbol, started + round, 100 + round)),
      );
      // Lets the server write (and block on the client's full window).
      await new Promise((resolve) => setImmediate(resolve));
    }
    expect(subscriberCount()).toBe(1);

    // The handler is now suspended at a yield (about 1,100 messages in, measured): only the
    // server's clean-up of the cancelled call, not the end of its wait for updates, can unsubscribe.
    stalled.cancel();
    expect((await end).code).toBe(grpc.status.CANCELLED);
    await waitFor(() => subscriberCount() === 0);
  });

  it("StreamQueueStats: sends a queue change at once, long before its interval", async () => {
    const stream = streamStats(clients, 3600);
    const { messages, end } = record(stream);
    await waitFor(() => messages.length === 1);
    const before = messages[0]?.stats.size ?? 0;

    const enqueued = await unary<{ enqueued: boolean }>(
      clients.batch,
      "EnqueueAsset",
      { symbol: "GBPUSD" },
      bearer(TOKEN),
    );
    expect(enqueued.enqueued).toBe(true);
    await waitFor(() => messages.length === 2, 2000);
    expect(messages[1]?.stats.size).toBe(before + 1);

    stream.cancel();
    expect((await end).code).toBe(grpc.status.CANCELLED);
  });

  it("on shutdown ends every stream with UNAVAILABLE and leaves no subscriber", async () => {
    const { subscriberCount } = engine;
    const own = await serve(engine);
    const ownClients = createGrpcClients(own.address);
    try {
      const watches = [[], ["XAUUSD"], CRITICAL].map((symbols) => record(watchPrices(ownClients, symbols)));
      const stats = record(streamStats(ownClients, 1));
      await waitFor(() => subscriberCount() === watches.length && stats.messages.length > 0);

      await own.server.close(1000);
      for (const { end } of [...watches, stats]) expect((await end).code).toBe(grpc.status.UNAVAILABLE);
      await waitFor(() => subscriberCount() === 0);
    } finally {
      ownClients.close();
    }
  });
});
