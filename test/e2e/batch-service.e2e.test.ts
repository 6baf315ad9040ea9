import http2 from "node:http2";
import { fileURLToPath } from "node:url";
import { fromBinary } from "@bufbuild/protobuf";
import { FileDescriptorProtoSchema } from "@bufbuild/protobuf/wkt";
import * as grpc from "@grpc/grpc-js";
import * as protoLoader from "@grpc/proto-loader";
import { GrpcReflection } from "grpc-js-reflection-client";
import { Redis } from "ioredis";
import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { TEST_REDIS_URL } from "../support/env.js";
import { bearer, createGrpcClients, type GrpcClients, unary } from "../support/grpc-clients.js";
import { createTestDatabase, type TestDatabase } from "../support/postgres.js";
import { type ServiceProcess, startService } from "../support/service-process.js";
import { collect, waitFor } from "../support/streams.js";

const TOKEN = "e2e-admin-token-0123456789";
const PRIORITY = ["XAUUSD", "EURUSD", "BTCUSD"];

interface StatusResponse {
  state: string;
  jobs: { id: string; nextRun: unknown }[];
  priorityAssets: string[];
  queueSize: number;
  apiCallsRemaining: number;
  rateLimit: { limit: number; totalCalls: string };
  assets: { symbol: string; syncStatus: string }[];
  eventBus: { backend: string; healthy: boolean; failedPublishes: string };
}
interface RunBatchResponse {
  success: boolean;
  batchId: string;
  result: { priorityUpdated: string[]; apiCallsUsed: number; trigger: string; batchId: string };
}
interface ReflectionReply {
  file_descriptor_response?: { file_descriptor_proto: Uint8Array[] };
}
interface PriceMessage {
  price: { symbol: string; bid: number; ask: number; lastPrice: number };
  initial: boolean;
}

/** The real service process, on the real PostgreSQL and Redis, called through grpc-js. */
describe("data-service over gRPC (PostgreSQL + Redis)", () => {
  let db: TestDatabase;
  let service: ServiceProcess;
  let clients: GrpcClients;

  beforeAll(async () => {
    db = await createTestDatabase();
    service = await startService({
      DATABASE_URL: db.url,
      REDIS_URL: TEST_REDIS_URL,
      BATCH_ADMIN_TOKEN: TOKEN,
      // A roomy budget so a manual batch right after the start-up batch does not wait a minute.
      POLYGON_RATE_LIMIT: "100",
      QUEUE_INTERVAL_SECONDS: "3600",
    });
    clients = createGrpcClients(service.address);
  });

  afterAll(async () => {
    clients?.close();
    const exit = await service?.stop();
    await db?.drop();
    expect(exit?.code).toBe(0);
  });

  it("lists every service through reflection v1 and v1alpha", async () => {
    for (const version of ["v1", "v1alpha"]) {
      const reflection = new GrpcReflection(service.address, grpc.credentials.createInsecure(), {}, version);
      const services = await reflection.listServices();
      expect(services).toEqual(
        expect.arrayContaining([
          "batch.v1.BatchService",
          "grpc.health.v1.Health",
          "grpc.reflection.v1.ServerReflection",
          "grpc.reflection.v1alpha.ServerReflection",
        ]),
      );
      const methods = await reflection.listMethods("batch.v1.BatchService");
      expect(methods.map((m) => m.name).sort()).toEqual(
        [
          "EnqueueAsset",
          "GetStatus",
          "ListAssets",
          "RunBatch",
          "StreamQueueStats",
          "WatchAssetUpdates",
        ].sort(),
      );
    }
  });

  it("serves descriptors a client can call the service with, as grpcurl does", async () => {
    const reflection = new GrpcReflection(service.address, grpc.credentials.createInsecure(), {}, "v1");
    const descriptor = await reflection.getDescriptorBySymbol("batch.v1.BatchService");
    const packageObject = descriptor.getPackageObject({
      longs: String,
      enums: String,
      defaults: true,
    }) as unknown as {
      batch: { v1: { BatchService: grpc.ServiceClientConstructor } };
    };
    const dynamic = new packageObject.batch.v1.BatchService(
      service.address,
      grpc.credentials.createInsecure(),
    );
    // This reflection client's package objects keep the proto's snake_case field names.
    const status = await unary<{ priority_assets: string[] }>(
      dynamic as GrpcClients["batch"],
      "GetStatus",
      {},
    );
    dynamic.close();
    expect(status.priority_assets).toEqual(PRIORITY);
    await expect(reflection.getDescriptorBySymbol("batch.v1.NoSuchThing")).rejects.toThrow();
  });

  it("serves the .proto comments through reflection, so grpcurl describe shows them", async () => {
    const definition = protoLoader.loadSync("grpc/reflection/v1/reflection.proto", {
      includeDirs: [fileURLToPath(new URL("../../proto", import.meta.url))],
      keepCase: true,
    });
    const { grpc: pkg } = grpc.loadPackageDefinition(definition) as unknown as {
      grpc: { reflection: { v1: { ServerReflection: grpc.ServiceClientConstructor } } };
    };
    const client = new pkg.reflection.v1.ServerReflection(service.address, grpc.credentials.createInsecure());
    const call = (client.ServerReflectionInfo as () => grpc.ClientDuplexStream<object, ReflectionReply>)();
    const reply = new Promise<ReflectionReply>((resolve, reject) => {
      call.once("data", resolve);
      call.once("error", reject);
    });
    call.write({ file_containing_symbol: "batch.v1.BatchService.RunBatch" });
    const first = (await reply).file_descriptor_response?.file_descriptor_proto[0];
    call.end();
    client.close();
    expect(first).toBeDefined();
    const file = fromBinary(FileDescriptorProtoSchema, first as Uint8Array);
    expect(file.name).toBe("batch/v1/batch.proto");
    const comments = file.sourceCodeInfo?.location.map((l) => l.leadingComments).join("\n") ?? "";
    expect(comments).toContain("RunBatch runs the priority batch");
  });

  it("answers health Check and Watch with SERVING, NOT_FOUND for an unknown service", async () => {
    await expect(unary(clients.health, "Check", { service: "" })).resolves.toEqual({ status: "SERVING" });
    await expect(unary(clients.health, "Check", { service: "batch.v1.BatchService" })).resolves.toEqual({
      status: "SERVING",
    });
    await expect(unary(clients.health, "Check", { service: "nope.Service" })).rejects.toMatchObject({
      code: grpc.status.NOT_FOUND,
    });
    const watch = (clients.health.Watch as (req: object) => grpc.ClientReadableStream<{ status: string }>)({
      service: "",
    });
    const [first] = await collect(watch, 1);
    watch.cancel();
    expect(first?.status).toBe("SERVING");
  });

  it("reports status: running, five jobs, the priority assets and the call budget", async () => {
    const status = await unary<StatusResponse>(clients.batch, "GetStatus", {});
    expect(status.state).toBe("SERVICE_STATE_RUNNING");
    expect(status.jobs.map((j) => j.id).sort()).toEqual([
      "enqueue_secondary",
      "priority_batch",
      "prune_history",
      "queue_processor",
      "stale_check",
    ]);
    expect(status.priorityAssets).toEqual(PRIORITY);
    expect(status.rateLimit.limit).toBe(100);
    expect(status.eventBus).toMatchObject({ backend: "redis", healthy: true, failedPublishes: "0" });
    expect(status.assets.map((a) => a.symbol)).toEqual(expect.arrayContaining([...PRIORITY, "GBPUSD"]));
  });

  it("refuses RunBatch without a token (UNAUTHENTICATED) and with a wrong one (PERMISSION_DENIED)", async () => {
    await expect(unary(clients.batch, "RunBatch", {})).rejects.toMatchObject({
      code: grpc.status.UNAUTHENTICATED,
    });
    await expect(unary(clients.batch, "RunBatch", {}, bearer("wrong-token-000000000"))).rejects.toMatchObject(
      {
        code: grpc.status.PERMISSION_DENIED,
      },
    );
  });

  it("runs a batch that updates the database, Redis and open WatchAssetUpdates streams", async () => {
    const redis = new Redis(TEST_REDIS_URL);
    const published: { channel: string; body: unknown }[] = [];
    redis.on("pmessage", (_pattern, channel, message) =>
      published.push({ channel, body: JSON.parse(message) }),
    );
    await redis.psubscribe("asset:update:*");
    const watch = (
      clients.batch.WatchAssetUpdates as (req: object) => grpc.ClientReadableStream<PriceMessage>
    )({
      symbols: PRIORITY,
    });
    const messages: PriceMessage[] = [];
    watch.on("data", (m: PriceMessage) => messages.push(m));
    watch.on("error", () => {});
    // The stream's initial snapshot (from the start-up batch) arrives before the batch runs.
    await waitFor(() => messages.filter((m) => m.initial).length === 3);

    const response = await unary<RunBatchResponse>(clients.batch, "RunBatch", {}, bearer(TOKEN));
    expect(response.success).toBe(true);
    expect(response.result.batchId).toBe(response.batchId);
    expect(response.result.priorityUpdated).toEqual(PRIORITY);
    expect(response.result.apiCallsUsed).toBe(3);
    expect(response.result.trigger).toBe("BATCH_TRIGGER_MANUAL");

    await waitFor(() => PRIORITY.every((s) => messages.some((m) => !m.initial && m.price.symbol === s)));
    watch.cancel();
    for (const m of messages) expect(m.price.ask).toBeGreaterThanOrEqual(m.price.bid);

    await waitFor(() => PRIORITY.every((s) => published.some((p) => p.channel === `asset:update:${s}`)));
    await redis.quit();
    const gold = published.find((p) => p.channel === "asset:update:XAUUSD")?.body as Record<string, unknown>;
    expect(Object.keys(gold).sort()).toEqual(["data", "symbol", "type"]);
    expect(gold.type).toBe("price_update");
    expect(Object.keys(gold.data as object).sort()).toEqual([
      "ask",
      "bid",
      "last_price",
      "spread",
      "timestamp",
    ]);

    const pool = new pg.Pool({ connectionString: db.url });
    const { rows } = await pool.query<{
      symbol: string;
      last_update: { bid: number; source: string };
      sync_status: string;
    }>(
      `SELECT s.symbol, s.metadata->'last_update' AS last_update, st.sync_status
         FROM trading.symbols s JOIN data_sources.data_sync_status st ON st.ticker_id = s.id
        WHERE s.symbol = ANY($1) ORDER BY s.symbol`,
      [PRIORITY],
    );
    await pool.end();
    expect(rows.map((r) => r.symbol)).toEqual([...PRIORITY].sort());
    for (const row of rows) {
      expect(row.sync_status).toBe("success");
      expect(row.last_update.bid).toBeGreaterThan(0);
      expect(row.last_update.source).toBe("polygon");
    }
  });

  it("lists the catalog with latest prices and sync status", async () => {
    const { assets } = await unary<{
      assets: { symbol: string; latest: PriceMessage["price"] | null; status: { syncStatus: string } }[];
    }>(clients.batch, "ListAssets", {});
    expect(assets).toHaveLength(9);
    const gold = assets.find((a) => a.symbol === "XAUUSD");
    expect(gold?.latest?.lastPrice).toBeGreaterThan(1000);
    expect(gold?.status.syncStatus).toBe("SYNC_STATUS_SUCCESS");
  });

  it("enqueues a catalog asset and refuses an unknown one", async () => {
    const outcome = await unary<{ enqueued: boolean; reason: string; queueSize: number }>(
      clients.batch,
      "EnqueueAsset",
      { symbol: "XAUUSD", priority: "ASSET_PRIORITY_HIGH" },
      bearer(TOKEN),
    );
    expect(outcome.enqueued).toBe(true);
    expect(outcome.queueSize).toBeGreaterThan(0);
    const again = await unary<{ enqueued: boolean; reason: string }>(
      clients.batch,
      "EnqueueAsset",
      { symbol: "XAUUSD" },
      bearer(TOKEN),
    );
    expect(again.enqueued).toBe(false);
    expect(again.reason).not.toBe("");
    await expect(
      unary(clients.batch, "EnqueueAsset", { symbol: "NOPE" }, bearer(TOKEN)),
    ).rejects.toMatchObject({
      code: grpc.status.INVALID_ARGUMENT,
    });
    await expect(unary(clients.batch, "EnqueueAsset", { symbol: "XAUUSD" })).rejects.toMatchObject({
      code: grpc.status.UNAUTHENTICATED,
    });
  });

  it("streams queue stats at once and then every interval, and validates the interval", async () => {
    const open = (interval: object) =>
      (
        clients.batch.StreamQueueStats as (
          req: object,
        ) => grpc.ClientReadableStream<{ stats: { size: number; byPriority: unknown[] } }>
      )({ interval });
    const stream = open({ seconds: 0, nanos: 200_000_000 });
    const received = await collect(stream, 2);
    stream.cancel();
    expect(received[0]?.stats.byPriority).toHaveLength(4);
    const tooFast = open({ seconds: 0, nanos: 1_000_000 });
    await expect(collect(tooFast, 1)).rejects.toMatchObject({ code: grpc.status.INVALID_ARGUMENT });
  });

  it("rejects WatchAssetUpdates for an unknown symbol with INVALID_ARGUMENT", async () => {
    const watch = (
      clients.batch.WatchAssetUpdates as (req: object) => grpc.ClientReadableStream<PriceMessage>
    )({
      symbols: ["XAUUSD", "DOGEUSD"],
    });
    await expect(collect(watch, 1)).rejects.toMatchObject({
      code: grpc.status.INVALID_ARGUMENT,
      details: expect.stringContaining("DOGEUSD"),
    });
  });

  it("answers GetStatus as JSON over the Connect protocol", async () => {
    const session = http2.connect(`http://${service.address}`);
    const body = await new Promise<string>((resolve, reject) => {
      const req = session.request({
        ":method": "POST",
        ":path": "/batch.v1.BatchService/GetStatus",
        "content-type": "application/json",
      });
      let text = "";
      req.setEncoding("utf8");
      req.on("data", (chunk: string) => {
        text += chunk;
      });
      req.on("end", () => resolve(text));
      req.on("error", reject);
      req.end("{}");
    });
    session.close();
    const json = JSON.parse(body) as { state: string; priorityAssets: string[] };
    expect(json.state).toBe("SERVICE_STATE_RUNNING");
    expect(json.priorityAssets).toEqual(PRIORITY);
  });
});
