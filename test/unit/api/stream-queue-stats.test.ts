/**
 * StreamQueueStats through an in-memory Connect transport, against a real BatchOrchestrator on
 * fakes, in fake time: a message at once, on its interval, and on queue changes with bursts
 * coalesced; no change listener left behind once the stream ends.
 */
import { durationFromMs } from "@bufbuild/protobuf/wkt";
import { createClient, createRouterTransport } from "@connectrpc/connect";
import { afterEach, describe, expect, it } from "vitest";
import { BatchService, type StreamQueueStatsResponse } from "../../../gen/batch/v1/batch_pb.js";
import { createBatchService } from "../../../src/api/batch-service.js";
import { AssetPriority } from "../../../src/models/batch.js";
import { FakeClock, providerError } from "../../support/fakes.js";
import { createHarness } from "../services/harness.js";

const INTERVAL_MS = 60_000;
const GAP_MS = 50;

/** A promise whose state can be read without awaiting it. */
interface Watched<T> {
  promise: Promise<T>;
  readonly settled: boolean;
}

function watch<T>(promise: Promise<T>): Watched<T> {
  let settled = false;
  const watched = promise.finally(() => {
    settled = true;
  });
  // A test may abort the stream without reading the pending message: not an unhandled rejection.
  watched.catch(() => {});
  return {
    promise: watched,
    get settled() {
      return settled;
    },
  };
}

function setup() {
  const clock = new FakeClock();
  const harness = createHarness({ clock });
  const { orchestrator, catalog, store, budget, provider } = harness;
  let listeners = 0;
  // The real orchestrator, with its change subscriptions counted.
  const counted = {
    runManualBatch: () => orchestrator.runManualBatch(),
    enqueue: orchestrator.enqueue.bind(orchestrator),
    status: () => orchestrator.status(),
    queueStats: () => orchestrator.queueStats(),
    onQueueChange(listener: () => void) {
      listeners += 1;
      const unsubscribe = orchestrator.onQueueChange(listener);
      return () => {
        listeners -= 1;
        unsubscribe();
      };
    },
  };
  const service = createBatchService({
    orchestrator: counted,
    catalog,
    store,
    budget,
    prices: { subscribe: () => () => {} },
    eventBus: {
      backend: "in-process",
      health: () => ({ healthy: true, failedPublishes: 0, lostEvents: 0, outageSince: null }),
    },
    clock,
    staleAfterSeconds: 900,
    requireAdmin: () => {},
    statsChangeGapMs: GAP_MS,
  });
  const client = createClient(
    BatchService,
    createRouterTransport((router) => router.service(BatchService, service)),
  );
  const abort = new AbortController();
  const stream = client
    .streamQueueStats({ interval: durationFromMs(INTERVAL_MS) }, { signal: abort.signal })
    [Symbol.asyncIterator]();
  const next = (): Watched<StreamQueueStatsResponse> =>
    watch(
      stream.next().then((result) => {
        if (result.done) throw new Error("the stream ended");
        return result.value;
      }),
    );
  return { clock, orchestrator, provider, abort, next, listeners: () => listeners };
}

describe("StreamQueueStats", () => {
  let cleanup: (() => void) | undefined;
  afterEach(() => cleanup?.());

  it("sends the stats at once, then every interval when nothing changes", async () => {
    const { clock, abort, next } = setup();
    cleanup = () => abort.abort();
    const first = next();
    await clock.advance(0);
    expect(first.settled).toBe(true);
    expect((await first.promise).stats?.size).toBe(0);

    const second = next();
    await clock.advance(INTERVAL_MS - 1);
    expect(second.settled).toBe(false);
    await clock.advance(1);
    expect(second.settled).toBe(true);
  });

  it("sends a change at once when the last message is older than the gap", async () => {
    const { clock, orchestrator, abort, next } = setup();
    cleanup = () => abort.abort();
    await next().promise;
    await clock.advance(1000);

    const afterChange = next();
    await clock.advance(0);
    expect(afterChange.settled).toBe(false);
    await orchestrator.enqueue("GBPUSD", AssetPriority.HIGH);
    await clock.advance(0);
    expect(afterChange.settled).toBe(true);
    const { stats } = await afterChange.promise;
    expect(stats?.size).toBe(1);
    expect(stats?.byPriority.find((p) => p.priority === 2)?.count).toBe(1);
  });

  it("coalesces a burst of changes into one message, no sooner than the gap after the last", async () => {
    const { clock, orchestrator, abort, next } = setup();
    cleanup = () => abort.abort();
    await next().promise;

    const burst = next();
    for (const symbol of ["GBPUSD", "USDJPY", "ETHUSDT", "XAGUSD"]) {
      await orchestrator.enqueue(symbol);
      await clock.advance(5);
    }
    // 20 ms after the first message: held back until 50 ms.
    expect(burst.settled).toBe(false);
    await clock.advance(GAP_MS - 20 - 1);
    expect(burst.settled).toBe(false);
    await clock.advance(1);
    expect(burst.settled).toBe(true);
    expect((await burst.promise).stats?.size).toBe(4);

    // The whole burst is in that message: nothing more until the next change or interval.
    const quiet = next();
    await clock.advance(INTERVAL_MS - 1);
    expect(quiet.settled).toBe(false);
    await orchestrator.enqueue("GBPUSD", AssetPriority.CRITICAL);
    await clock.advance(0);
    expect(quiet.settled).toBe(true);
    expect((await quiet.promise).stats?.byPriority.find((p) => p.priority === 1)?.count).toBe(1);
  });

  it("reports the queue runs' changes: items taken out, then failures put back", async () => {
    const { clock, orchestrator, provider, abort, next } = setup();
    cleanup = () => abort.abort();
    await orchestrator.enqueueSecondary();
    expect((await next().promise).stats?.size).toBe(6);

    // The run takes its first item (single mode: one asset a call) and holds it while the
    // provider answers.
    provider.hold();
    const taken = next();
    const run = orchestrator.processQueue();
    await clock.advance(GAP_MS);
    expect(taken.settled).toBe(true);
    expect((await taken.promise).stats?.size).toBe(5);

    // It fails with a retryable error and goes back to the queue (the run's second item is
    // updated and queued again for its next refresh).
    for (const symbol of provider.requests[0] ?? []) provider.script(symbol, providerError("transient"));
    const putBack = next();
    provider.release();
    await run;
    await clock.advance(GAP_MS);
    expect(putBack.settled).toBe(true);
    expect((await putBack.promise).stats?.size).toBe(6);
  });

  it("leaves no change listener once the client cancels", async () => {
    const { clock, abort, next, listeners } = setup();
    await next().promise;
    expect(listeners()).toBe(1);
    const pending = next();
    abort.abort();
    await clock.advance(0);
    await expect(pending.promise).rejects.toThrow();
    await clock.advance(0);
    expect(listeners()).toBe(0);
  });
});
