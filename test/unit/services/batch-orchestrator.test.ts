import { afterEach, describe, expect, it } from "vitest";
import { ProviderError, ShuttingDownError } from "../../../src/models/errors.js";
import { FakeClock, settle } from "../../support/fakes.js";
import { batchEvents, catalogAsset, createHarness, type HarnessOptions } from "./harness.js";

const started: ReturnType<typeof createHarness>[] = [];

function setup(options: Omit<HarnessOptions, "clock"> = {}) {
  const clock = new FakeClock();
  const harness = createHarness({ ...options, clock });
  started.push(harness);
  return { ...harness, clock };
}

afterEach(async () => {
  // Clears the scheduler's real interval timers, even when a test failed holding the provider.
  for (const { provider } of started) provider.release();
  await Promise.all(started.splice(0).map(({ orchestrator }) => orchestrator.stop()));
});

describe("BatchOrchestrator priority batch", () => {
  it("updates the critical assets and reports every BatchResult field", async () => {
    const { orchestrator, provider, clock, queue, catalog } = setup({ rateLimit: 2 });
    const t0 = clock.now();
    provider.script("EURUSD", new ProviderError("not_found", "ticker C:EURUSD not found", 404));
    queue.enqueue(catalogAsset(catalog, "GBPUSD"));

    const running = orchestrator.runManualBatch();
    await clock.advance(60_000);
    const result = await running;

    const failure = { symbol: "EURUSD", error: "not_found: ticker C:EURUSD not found" };
    expect(result).toEqual({
      batchId: "0000000a",
      trigger: "manual",
      startedAt: new Date(t0),
      completedAt: new Date(t0 + 60_000),
      durationMs: 60_000,
      priorityUpdated: ["XAUUSD", "BTCUSD"],
      priorityFailed: [failure],
      queueProcessed: 0,
      queueRemaining: 1,
      apiCallsUsed: 3,
      rateLimitWaits: 1,
      errors: [failure],
    });
    expect(provider.requests).toEqual([["XAUUSD", "EURUSD", "BTCUSD"]]);
    expect(orchestrator.status().lastBatch).toEqual(result);
  });

  it("a manual batch waits for the running scheduled batch, then runs its own", async () => {
    const { orchestrator, provider, logger } = setup();
    provider.hold();
    orchestrator.start();
    await settle();
    expect(provider.requests).toHaveLength(1);

    const manual = orchestrator.runManualBatch();
    await settle();
    expect(provider.requests).toHaveLength(1);

    provider.release();
    const result = await manual;

    expect(result.trigger).toBe("manual");
    expect(provider.requests).toEqual([
      ["XAUUSD", "EURUSD", "BTCUSD"],
      ["XAUUSD", "EURUSD", "BTCUSD"],
    ]);
    expect(provider.maxInFlight).toBe(1);
    expect(batchEvents(logger)).toEqual([
      "priority batch started scheduled",
      "priority batch completed scheduled",
      "priority batch started manual",
      "priority batch completed manual",
    ]);
  });

  it("manual batches requested together run one after the other, each with its own id", async () => {
    const { orchestrator, provider } = setup();
    provider.hold();
    const batches = [
      orchestrator.runManualBatch(),
      orchestrator.runManualBatch(),
      orchestrator.runManualBatch(),
    ];
    await settle();
    provider.release();
    const results = await Promise.all(batches);
    expect(results.map((r) => r.batchId)).toEqual(["0000000a", "0000000b", "0000000c"]);
    expect(provider.maxInFlight).toBe(1);
  });

  it("a failed batch does not block the next one", async () => {
    const { orchestrator, updater } = setup();
    const realUpdate = updater.updateAssets.bind(updater);
    updater.updateAssets = () => Promise.reject(new Error("unexpected"));
    await expect(orchestrator.runManualBatch()).rejects.toThrow("unexpected");
    updater.updateAssets = realUpdate;
    await expect(orchestrator.runManualBatch()).resolves.toMatchObject({
      priorityUpdated: ["XAUUSD", "EURUSD", "BTCUSD"],
    });
  });
});

describe("BatchOrchestrator status", () => {
  it("lists the jobs, the priority assets, the queue size and the calls remaining", async () => {
    const { orchestrator, budget } = setup({ rateLimit: 10 });
    expect(orchestrator.status()).toMatchObject({
      running: false,
      lastBatch: null,
      queueSize: 0,
      callsRemaining: 10,
    });
    orchestrator.start();
    await settle();
    const status = orchestrator.status();
    expect(status).toMatchObject({
      running: true,
      priorityAssets: ["XAUUSD", "EURUSD", "BTCUSD"],
      queueSize: 6,
      callsRemaining: budget.remaining(),
    });
    expect(status.callsRemaining).toBe(7);
    expect(status.jobs.map((j) => [j.id, j.intervalSeconds])).toEqual([
      ["priority_batch", 300],
      ["queue_processor", 15],
      ["enqueue_secondary", 1800],
      ["stale_check", 60],
      ["prune_history", 3600],
    ]);
    expect(status.jobs[0]?.name).toBe("Priority Assets Batch (XAUUSD, EURUSD, BTCUSD)");
    expect(orchestrator.queueStats()).toMatchObject({ size: 6, byPriority: { HIGH: 3, MEDIUM: 3 } });
  });
});

describe("BatchOrchestrator stop", () => {
  it("lets an in-flight batch finish, then refuses new work", async () => {
    const { orchestrator, provider } = setup();
    provider.hold();
    const inFlight = orchestrator.runManualBatch();
    await settle();

    let stopped = false;
    const stopping = orchestrator.stop().then(() => {
      stopped = true;
    });
    await expect(orchestrator.runManualBatch()).rejects.toBeInstanceOf(ShuttingDownError);
    await expect(orchestrator.enqueue("GBPUSD")).rejects.toBeInstanceOf(ShuttingDownError);
    await settle();
    expect(stopped).toBe(false);
    expect(orchestrator.status().running).toBe(false);

    provider.release();
    await expect(inFlight).resolves.toMatchObject({ priorityUpdated: ["XAUUSD", "EURUSD", "BTCUSD"] });
    await stopping;
    expect(stopped).toBe(true);
  });

  it("a batch still waiting for its turn when stop begins is refused", async () => {
    const { orchestrator, provider } = setup();
    provider.hold();
    const running = orchestrator.runManualBatch();
    const waiting = orchestrator.runManualBatch();
    await settle();
    const stopping = orchestrator.stop();
    provider.release();
    await expect(running).resolves.toMatchObject({ batchId: "0000000a" });
    await expect(waiting).rejects.toBeInstanceOf(ShuttingDownError);
    await stopping;
    expect(provider.requests).toHaveLength(1);
  });

  it("aborts work still running after the grace period", async () => {
    const { orchestrator, provider, clock, logger } = setup();
    // The provider call never answers: in-flight work, so it gets the grace period.
    provider.hold();
    const batch = orchestrator.runManualBatch();
    await settle();
    const stopping = orchestrator.stop();
    await clock.advance(4999);
    expect(provider.inFlight).toBe(1);
    await clock.advance(1);

    await expect(batch).rejects.toBeInstanceOf(ShuttingDownError);
    await stopping;
    expect(logger.messages("warn")).toContain("running work did not finish in time; aborting it");
    expect(orchestrator.status().lastBatch).toBeNull();
  });

  it("aborts a budget wait at once: waiting for a token is not in-flight work", async () => {
    const { orchestrator, provider, clock, logger, store, budget } = setup({ rateLimit: 1 });
    // The batch needs 3 calls at 1 per minute: after the first it sleeps on the budget.
    const batch = orchestrator.runManualBatch();
    await settle();
    expect(clock.sleeping).toBe(1);
    const t0 = clock.now();

    await orchestrator.stop();

    expect(clock.now()).toBe(t0);
    expect(clock.sleeping).toBe(0);
    const result = await batch;
    expect(result.priorityUpdated).toEqual(["XAUUSD"]);
    expect(result.priorityFailed).toEqual([
      { symbol: "EURUSD", error: "rate_limited: call not made: service is shutting down" },
      { symbol: "BTCUSD", error: "rate_limited: call not made: service is shutting down" },
    ]);
    expect(result.apiCallsUsed).toBe(1);
    expect(provider.requests).toHaveLength(1);
    expect(store.status.get("EURUSD")?.status).toBe("failed");
    expect(budget.stats().totalCalls).toBe(1);
    expect(logger.messages("warn")).not.toContain("running work did not finish in time; aborting it");
  });

  it("lets an in-flight batch spend tokens still free after stop, without waiting", async () => {
    const { orchestrator, provider, clock } = setup({ rateLimit: 5 });
    provider.hold();
    const batch = orchestrator.runManualBatch();
    await settle();
    const stopping = orchestrator.stop();
    provider.release();
    await stopping;
    expect(clock.sleeping).toBe(0);
    await expect(batch).resolves.toMatchObject({ priorityUpdated: ["XAUUSD", "EURUSD", "BTCUSD"] });
  });

  it("is idempotent and refuses a later start", async () => {
    const { orchestrator } = setup();
    orchestrator.start();
    const first = orchestrator.stop();
    expect(orchestrator.stop()).toBe(first);
    await first;
    expect(() => orchestrator.start()).toThrow(ShuttingDownError);
  });
});
