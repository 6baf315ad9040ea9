import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import * as grpc from "@grpc/grpc-js";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { bearer, createGrpcClients, unary } from "../support/grpc-clients.js";
import { createTestDatabase, type TestDatabase } from "../support/postgres.js";
import { runServiceToExit, startService } from "../support/service-process.js";
import { collect, finalStatus, waitFor } from "../support/streams.js";

describe("service lifecycle", () => {
  let db: TestDatabase;

  beforeAll(async () => {
    db = await createTestDatabase();
  });
  afterAll(async () => {
    await db?.drop();
  });

  it("on SIGTERM ends open streams with UNAVAILABLE and exits 0 within 10 s, clients connected", async () => {
    // No BATCH_ADMIN_TOKEN and no REDIS_URL: admin RPCs are refused and events stay in-process.
    const service = await startService({ DATABASE_URL: db.url });
    const clients = createGrpcClients(service.address);
    try {
      await expect(
        unary(clients.batch, "RunBatch", {}, bearer("any-token-0123456789")),
      ).rejects.toMatchObject({
        code: grpc.status.PERMISSION_DENIED,
        details: expect.stringContaining("BATCH_ADMIN_TOKEN"),
      });
      const watch = (clients.batch.WatchAssetUpdates as (req: object) => grpc.ClientReadableStream<unknown>)(
        {},
      );
      const stats = (clients.batch.StreamQueueStats as (req: object) => grpc.ClientReadableStream<unknown>)(
        {},
      );
      const health = (clients.health.Watch as (req: object) => grpc.ClientReadableStream<{ status: string }>)(
        {
          service: "",
        },
      );
      const healthSeen: string[] = [];
      health.on("data", (m: { status: string }) => healthSeen.push(m.status));
      const watchEnd = finalStatus(watch);
      const statsEnd = finalStatus(stats);
      const healthEnd = finalStatus(health);
      await waitFor(() => healthSeen.includes("SERVING"));

      const exit = await service.stop("SIGTERM");
      expect(exit.code).toBe(0);
      expect(exit.ms).toBeLessThan(10_000);
      expect((await watchEnd).code).toBe(grpc.status.UNAVAILABLE);
      expect((await statsEnd).code).toBe(grpc.status.UNAVAILABLE);
      expect((await healthEnd).code).toBe(grpc.status.UNAVAILABLE);
      expect(healthSeen).toContain("NOT_SERVING");
    } finally {
      clients.close();
      await service.stop("SIGKILL");
    }
  });

  it("stops a bad configuration with exit code 2 and one line naming the variable", async () => {
    for (const [variable, value] of [
      ["PORT", "not-a-port"],
      ["POLYGON_FETCH_MODE", "bulk"],
      ["BATCH_INTERVAL_SECONDS", "0"],
      ["REDIS_URL", "http://localhost"],
    ] as const) {
      const { code, stderr } = await runServiceToExit({ [variable]: value });
      expect(code).toBe(2);
      const lines = stderr.trim().split("\n");
      expect(lines).toHaveLength(1);
      expect(lines[0]).toContain(variable);
    }
  });

  it("never echoes a bad secret in its configuration error", async () => {
    const { code, stderr } = await runServiceToExit({ BATCH_ADMIN_TOKEN: "short secret" });
    expect(code).toBe(2);
    expect(stderr).toContain("BATCH_ADMIN_TOKEN");
    expect(stderr).not.toContain("short secret");
  });

  it("runs on embedded PGlite by default and refuses a second process on the same DATA_DIR", async () => {
    const dataDir = await mkdtemp(path.join(tmpdir(), "data-service-e2e-"));
    const token = "embedded-admin-token-012345";
    const service = await startService(
      { DATA_DIR: dataDir, BATCH_ADMIN_TOKEN: token, POLYGON_RATE_LIMIT: "50" },
      60_000,
    );
    const clients = createGrpcClients(service.address);
    try {
      const result = await unary<{ result: { priorityUpdated: string[] } }>(
        clients.batch,
        "RunBatch",
        {},
        bearer(token),
      );
      expect(result.result.priorityUpdated).toEqual(["XAUUSD", "EURUSD", "BTCUSD"]);
      const [first] = await collect(
        (clients.batch.WatchAssetUpdates as (req: object) => grpc.ClientReadableStream<{ initial: boolean }>)(
          {
            symbols: ["XAUUSD"],
          },
        ),
        1,
      );
      expect(first?.initial).toBe(true);

      const second = await runServiceToExit({ DATA_DIR: dataDir, PORT: "0" });
      expect(second.code).not.toBe(0);
      expect(second.stderr).toContain("DATA_DIR");
    } finally {
      clients.close();
      const exit = await service.stop();
      await rm(dataDir, { recursive: true, force: true });
      expect(exit.code).toBe(0);
    }
  });
});
