import { afterEach, describe, expect, it } from "vitest";
import { AssetPriority } from "../../../src/models/batch.js";
import { QueueFullError, UnknownAssetError } from "../../../src/models/errors.js";
import { FakeClock, providerError } from "../../support/fakes.js";
import { createHarness, type HarnessOptions } from "./harness.js";

const started: ReturnType<typeof createHarness>[] = [];

function setup(options: Omit<HarnessOptions, "clock"> = {}) {
  const clock = new FakeClock();
  const harness = createHarness({ ...options, clock });
  started.push(harness);
  return { ...harness, clock };
}

afterEach(async () => {
  await Promise.all(started.splice(0).map(({ orchestrator }) => orchestrator.stop()));
});

describe("processQueue", () => {
  it("makes up to queueItemsPerRun calls, one asset each in single mode, most urgent first", async () => {
    const { orchestrator, provider, queue, store } = setup();
    await orchestrator.enqueueSecondary();

    const report = await orchestrator.processQueue();

    expect(report).toEqual({
      processed: 2,
      calls: 2,
      updated: ["ETHUSDT", "GBPUSD"],
      requeued: [],
      dropped: [],
      refreshed: ["ETHUSDT", "GBPUSD"],
      noSpareBudget: false,
      waitedMs: 0,
    });
    expect(provider.requests).toEqual([["ETHUSDT"], ["GBPUSD"]]);
    // Both are queued again for their next refresh, behind the others of their tier.
    expect(queue.size).toBe(6);
    expect(store.status.get("GBPUSD")?.status).toBe("success");
    expect(store.status.get("USDJPY")?.status).toBe("pending");
  });

  it("requeues a retryable failure one tier lower and drops a non-retryable one", async () => {
    const { orchestrator, provider, queue, store } = setup();
    await orchestrator.enqueue("GBPUSD"); // HIGH
    await orchestrator.enqueue("USDJPY"); // HIGH
    await orchestrator.enqueue("XAGUSD"); // MEDIUM
    provider.script("GBPUSD", providerError("transient", "HTTP 502"));
    provider.script("USDJPY", providerError("not_found", "unknown ticker"));

    const report = await orchestrator.processQueue();

    expect(report).toEqual({
      processed: 2,
      calls: 2,
      updated: [],
      requeued: ["GBPUSD"],
      dropped: ["USDJPY"],
      refreshed: [],
      noSpareBudget: false,
      waitedMs: 0,
    });
    expect(queue.has("USDJPY")).toBe(false);
    expect(store.status.get("USDJPY")).toMatchObject({
      status: "failed",
      error: "not_found: unknown ticker",
    });
    expect(queue.dequeue()?.symbol).toBe("XAGUSD");
    expect(queue.dequeue()).toMatchObject({
      symbol: "GBPUSD",
      priority: AssetPriority.MEDIUM,
      retryCount: 1,
      lastError: "transient: HTTP 502",
    });
  });

  it.each(["unauthorized", "not_entitled", "not_found"] as const)("never retries %s", async (kind) => {
    const { orchestrator, provider, queue } = setup();
    await orchestrator.enqueue("GBPUSD");
    provider.script("GBPUSD", providerError(kind));
    expect((await orchestrator.processQueue()).dropped).toEqual(["GBPUSD"]);
    expect(queue.isEmpty).toBe(true);
  });

  it("gives up after three retries, demoting down to LOW", async () => {
    const { orchestrator, provider, queue, logger } = setup();
    await orchestrator.enqueue("GBPUSD");
    provider.script("GBPUSD", ...Array.from({ length: 4 }, () => providerError("transient", "timeout")));
    const priorities: number[] = [];
    for (let run = 0; run < 3; run++) {
      expect((await orchestrator.processQueue()).requeued).toEqual(["GBPUSD"]);
      priorities.push(queue.peek()?.priority ?? 0);
    }
    expect((await orchestrator.processQueue()).dropped).toEqual(["GBPUSD"]);
    expect(priorities).toEqual([AssetPriority.MEDIUM, AssetPriority.LOW, AssetPriority.LOW]);
    expect(queue.isEmpty).toBe(true);
    expect(logger.entries.find((e) => e.msg === "queued asset dropped")?.obj).toMatchObject({
      symbol: "GBPUSD",
      reason: "max_retries",
    });
  });

  it("puts a rate-limited item back unchanged, spending no retry", async () => {
    const { orchestrator, provider, queue, clock } = setup();
    await orchestrator.enqueue("GBPUSD");
    await orchestrator.enqueue("USDJPY");
    const before = queue.peek();
    await clock.advance(1000);
    provider.script("GBPUSD", providerError("rate_limited", "429"));

    const report = await orchestrator.processQueue();

    expect(report).toMatchObject({ updated: ["USDJPY"], requeued: ["GBPUSD"], dropped: [] });
    expect(queue.peek()).toEqual(before);
  });

  it("retries a store failure like a transient one", async () => {
    const { orchestrator, store, queue } = setup();
    await orchestrator.enqueue("GBPUSD");
    store.failSaves = new Error("deadlock detected");
    expect((await orchestrator.processQueue()).requeued).toEqual(["GBPUSD"]);
    expect(queue.peek()).toMatchObject({ retryCount: 1, lastError: "deadlock detected" });
  });

  it("does nothing on an empty queue", async () => {
    const { orchestrator, provider } = setup();
    expect(await orchestrator.processQueue()).toEqual({
      processed: 0,
      calls: 0,
      updated: [],
      requeued: [],
      dropped: [],
      refreshed: [],
      noSpareBudget: false,
      waitedMs: 0,
    });
    expect(provider.requests).toEqual([]);
  });
});

describe("enqueueSecondary", () => {
  it("queues each secondary asset at its catalog priority and marks the new ones PENDING", async () => {
    const { orchestrator, queue, store } = setup();
    expect(await orchestrator.enqueueSecondary()).toEqual([
      "ETHUSDT",
      "GBPUSD",
      "USDJPY",
      "XAGUSD",
      "AUDUSD",
      "USDCAD",
    ]);
    expect(queue.stats().byPriority).toEqual({ CRITICAL: 0, HIGH: 3, MEDIUM: 3, LOW: 0 });
    expect(store.statusWrites).toEqual([
      ["ETHUSDT", "GBPUSD", "USDJPY", "XAGUSD", "AUDUSD", "USDCAD"].map((symbol) => ({
        symbol,
        status: "pending",
        error: null,
      })),
    ]);

    expect(await orchestrator.enqueueSecondary()).toEqual([]);
    expect(store.statusWrites).toHaveLength(1);
  });

  it("stops at a full queue with a warning", async () => {
    const { orchestrator, queue, logger } = setup({ maxQueueSize: 4 });
    expect(await orchestrator.enqueueSecondary()).toEqual(["ETHUSDT", "GBPUSD", "USDJPY", "XAGUSD"]);
    expect(queue.size).toBe(4);
    expect(logger.messages("warn")).toEqual(["queue full; secondary enqueue stopped"]);
  });
});

describe("enqueue (EnqueueAsset)", () => {
  it("queues a catalog asset at its own priority or the one given, once", async () => {
    const { orchestrator, queue, store } = setup();
    expect(await orchestrator.enqueue("GBPUSD")).toEqual({ enqueued: true, reason: "", queueSize: 1 });
    expect(await orchestrator.enqueue("XAUUSD", AssetPriority.LOW)).toEqual({
      enqueued: true,
      reason: "",
      queueSize: 2,
    });
    expect(await orchestrator.enqueue("GBPUSD", AssetPriority.LOW)).toEqual({
      enqueued: false,
      reason: "GBPUSD is already queued",
      queueSize: 2,
    });
    expect(await orchestrator.enqueue("GBPUSD", AssetPriority.CRITICAL)).toEqual({
      enqueued: false,
      reason: "GBPUSD was already queued; its priority was raised to CRITICAL",
      queueSize: 2,
    });
    expect(queue.dequeue()).toMatchObject({ symbol: "GBPUSD", priority: AssetPriority.CRITICAL });
    expect(queue.dequeue()).toMatchObject({ symbol: "XAUUSD", priority: AssetPriority.LOW });
    expect(store.status.get("XAUUSD")?.status).toBe("pending");
  });

  it("refuses a symbol outside the catalog (lookup is exact)", async () => {
    const { orchestrator } = setup();
    await expect(orchestrator.enqueue("DOGEUSD")).rejects.toBeInstanceOf(UnknownAssetError);
    await expect(orchestrator.enqueue("gbpusd")).rejects.toBeInstanceOf(UnknownAssetError);
  });

  it("throws QueueFullError when the queue is full", async () => {
    const { orchestrator } = setup({ maxQueueSize: 1 });
    await orchestrator.enqueue("GBPUSD");
    await expect(orchestrator.enqueue("USDJPY")).rejects.toBeInstanceOf(QueueFullError);
  });

  it("keeps the item queued when the PENDING status cannot be written", async () => {
    const { orchestrator, store, logger } = setup();
    store.failStatus = new Error("store down");
    expect(await orchestrator.enqueue("GBPUSD")).toMatchObject({ enqueued: true, queueSize: 1 });
    expect(logger.messages("warn")).toEqual(["could not mark queued assets pending"]);
  });
});
