/**
 * A key the provider rejects (401), through the real engine against the sandbox and PostgreSQL:
 * one clear error in the log however many batches and queue runs see it, queued assets dropped
 * rather than retried, the queue processor paused so only the priority batch tries the key (one
 * call per batch), and the rejection visible in GetStatus and grpc.health.v1 until the key works.
 */
import { type Client, createClient, createRouterTransport } from "@connectrpc/connect";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { BatchService } from "../../../gen/batch/v1/batch_pb.js";
import { HealthCheckResponse_ServingStatus as ServingStatus } from "../../../gen/grpc/health/v1/health_pb.js";
import { createBatchService } from "../../../src/api/batch-service.js";
import { HealthRegistry, watchProviderHealth } from "../../../src/api/health.js";
import { HEALTH_SERVICE_NAMES, PROVIDER_HEALTH_NAME } from "../../../src/api/routes.js";
import { CRITICAL, type Engine, startEngine } from "./engine.js";

const REJECTED = "Polygon rejected POLYGON_API_KEY (HTTP 401: Unknown API Key); check the key";

describe("a rejected POLYGON_API_KEY (sandbox, PostgreSQL)", () => {
  let engine: Engine;
  let health: HealthRegistry;
  let client: Client<typeof BatchService>;

  beforeAll(async () => {
    engine = await startEngine();
    health = new HealthRegistry(HEALTH_SERVICE_NAMES);
    health.setAll(ServingStatus.SERVING);
    watchProviderHealth(health, engine.orchestrator, PROVIDER_HEALTH_NAME);
    const service = createBatchService({
      orchestrator: engine.orchestrator,
      catalog: engine.catalog,
      store: engine.opened.store,
      budget: engine.budget,
      prices: engine.events.source,
      eventBus: {
        backend: "in-process",
        health: () => ({ healthy: true, failedPublishes: 0, lostEvents: 0, outageSince: null }),
      },
      clock: { now: Date.now, sleep: async () => {} },
      staleAfterSeconds: 900,
      requireAdmin: () => {},
    });
    client = createClient(
      BatchService,
      createRouterTransport((router) => router.service(BatchService, service)),
    );
  });
  afterAll(async () => {
    await engine?.close();
  });

  const keyErrors = () =>
    engine.logger.entries.filter((e) => e.level === "error" && e.msg?.includes("POLYGON_API_KEY"));
  const rejectedCalls = () => engine.sandbox.requestLog.filter((r) => r.status === 401).length;

  it("logs one error, drops the queued assets it hit, and pauses the queue", async () => {
    const { orchestrator, queue, sandbox } = engine;
    const good = engine.provider;
    engine.provider = engine.newClient("not-the-sandbox-key");
    await orchestrator.enqueueSecondary();
    expect(queue.size).toBe(6);

    // One call, one asset (single mode): the 401 drops it, not requeued, and ends the run at
    // once; the other items stay queued.
    const first = await orchestrator.processQueue();
    expect(first).toMatchObject({
      processed: 1,
      calls: 1,
      updated: [],
      requeued: [],
      dropped: expect.any(Array),
    });
    expect(first.dropped).toHaveLength(1);
    expect(queue.size).toBe(5);
    expect(rejectedCalls()).toBe(1);
    expect(keyErrors()).toHaveLength(1);
    expect(keyErrors()[0]?.obj).toMatchObject({ err: `unauthorized: ${REJECTED}` });
    for (const symbol of first.dropped) {
      expect((await engine.syncRows([symbol])).get(symbol)).toEqual({
        status: "failed",
        error: `unauthorized: ${REJECTED}`,
      });
    }

    // Paused: the remaining items wait, and the key is not called.
    for (let i = 0; i < 3; i++) {
      expect(await orchestrator.processQueue()).toMatchObject({ processed: 0, skipped: "key_rejected" });
    }
    expect(queue.size).toBe(5);
    expect(rejectedCalls()).toBe(1);

    // Each priority batch tries the key once (one call for three assets) and logs nothing more.
    for (let i = 0; i < 2; i++) {
      const batch = await orchestrator.runManualBatch();
      expect(batch.priorityFailed).toEqual(
        CRITICAL.map((symbol) => ({ symbol, error: `unauthorized: ${REJECTED}` })),
      );
      expect(batch.apiCallsUsed).toBe(1);
    }
    expect(rejectedCalls()).toBe(3);
    expect(keyErrors()).toHaveLength(1);
    expect(sandbox.requestLog.every((r) => r.status === 401)).toBe(true);
    engine.provider = good;
  });

  it("shows the rejection in GetStatus and in grpc.health.v1", async () => {
    const status = await client.getStatus({});
    expect(status.lastBatch?.priorityFailed.map((f) => f.error)).toEqual(
      CRITICAL.map(() => `unauthorized: ${REJECTED}`),
    );
    const gold = status.assets.find((a) => a.symbol === "XAUUSD");
    expect(gold?.errorMessage).toBe(`unauthorized: ${REJECTED}`);
    expect(engine.orchestrator.status().providerAccess.keyRejected).toMatchObject({
      reason: `unauthorized: ${REJECTED}`,
      since: expect.any(Date),
    });
    expect(health.get(PROVIDER_HEALTH_NAME)).toBe(ServingStatus.NOT_SERVING);
    expect(health.get("")).toBe(ServingStatus.SERVING);
  });

  it("resumes once the key works again: SUCCESS, health SERVING, the queue runs", async () => {
    const { orchestrator, queue } = engine;
    const batch = await orchestrator.runManualBatch();
    expect(batch).toMatchObject({ priorityUpdated: CRITICAL, priorityFailed: [] });
    expect(engine.logger.messages("info")).toContain(
      "POLYGON_API_KEY accepted again; the queue processor resumes",
    );
    expect(orchestrator.status().providerAccess.keyRejected).toBeNull();
    expect(health.get(PROVIDER_HEALTH_NAME)).toBe(ServingStatus.SERVING);

    const run = await orchestrator.processQueue();
    expect(run.skipped).toBeUndefined();
    expect(run.updated).toHaveLength(2);
    // Both are queued again for their next refresh.
    expect(run.refreshed).toEqual(run.updated);
    expect(queue.size).toBe(5);
    const rows = await engine.syncRows(CRITICAL);
    for (const symbol of CRITICAL) expect(rows.get(symbol)).toEqual({ status: "success", error: null });
    expect(keyErrors()).toHaveLength(1);
  });
});
