import { describe, expect, it } from "vitest";
import type { AssetRef } from "../../../src/models/batch.js";
import { ProviderError } from "../../../src/models/errors.js";
import { RateLimiter } from "../../../src/providers/rate-limiter.js";
import { AssetUpdater } from "../../../src/services/asset-updater.js";
import {
  type CallLog,
  FakeClock,
  FakeLogger,
  FakeProvider,
  FakePublisher,
  FakeStore,
  providerError,
  settle,
} from "../../support/fakes.js";

const ASSETS: AssetRef[] = [
  { symbol: "XAUUSD", polygonTicker: "C:XAUUSD", assetType: "forex" },
  { symbol: "EURUSD", polygonTicker: "C:EURUSD", assetType: "forex" },
  { symbol: "BTCUSD", polygonTicker: "X:BTCUSD", assetType: "crypto" },
];

function setup(options: { limit?: number } = {}) {
  const log: CallLog = [];
  const clock = new FakeClock();
  const budget = options.limit
    ? new RateLimiter({ limit: options.limit, windowSeconds: 60, marginMs: 0, clock })
    : undefined;
  const provider = new FakeProvider(clock, { log, ...(budget ? { budget } : {}) });
  const store = new FakeStore(log);
  const publisher = new FakePublisher(log);
  const logger = new FakeLogger();
  const updater = new AssetUpdater({ provider, store, publisher, logger });
  return { log, clock, provider, store, publisher, logger, updater };
}

describe("AssetUpdater", () => {
  it("marks IN_PROGRESS, fetches, saves, then publishes only after the save", async () => {
    const { log, updater, store, publisher } = setup();
    const report = await updater.updateAssets(ASSETS);

    expect(log).toEqual([
      "status in_progress XAUUSD,EURUSD,BTCUSD",
      "fetch XAUUSD,EURUSD,BTCUSD",
      "save XAUUSD,EURUSD,BTCUSD",
      "publish XAUUSD,EURUSD,BTCUSD",
    ]);
    expect(report.updated.map((s) => s.symbol)).toEqual(["XAUUSD", "EURUSD", "BTCUSD"]);
    expect(report.failed).toEqual([]);
    expect(report.usage).toEqual({ calls: 3, waits: 0 });
    expect(publisher.published[0]).toEqual(store.saved[0]);
  });

  it("records failures as FAILED with their reasons and publishes only the successes", async () => {
    const { log, updater, store, provider } = setup();
    const notFound = new ProviderError("not_found", "ticker C:EURUSD not found", 404);
    provider.script("EURUSD", notFound);
    provider.script("BTCUSD", providerError("transient", "HTTP 503"));

    const report = await updater.updateAssets(ASSETS);

    expect(report.updated.map((s) => s.symbol)).toEqual(["XAUUSD"]);
    expect(report.failed).toEqual([
      { asset: ASSETS[1], error: notFound },
      { asset: ASSETS[2], error: expect.objectContaining({ kind: "transient" }) },
    ]);
    expect(log.slice(2)).toEqual(["save XAUUSD", "status failed EURUSD,BTCUSD", "publish XAUUSD"]);
    expect(store.status.get("EURUSD")).toEqual({
      symbol: "EURUSD",
      status: "failed",
      error: "not_found: ticker C:EURUSD not found",
    });
    expect(store.status.get("BTCUSD")?.error).toBe("transient: HTTP 503");
    expect(store.status.get("XAUUSD")?.status).toBe("success");
  });

  it("a publish failure is logged and does not turn a written update into a failure", async () => {
    const { updater, publisher, logger, store } = setup();
    publisher.failWith = new Error("redis down");

    const report = await updater.updateAssets(ASSETS);

    expect(report.updated).toHaveLength(3);
    expect(report.failed).toEqual([]);
    expect(store.saved).toHaveLength(1);
    expect(logger.messages("warn")).toContain("price events not published");
  });

  it("a store failure on save makes the fetched assets failed with the store error, and publishes nothing", async () => {
    const { updater, store, publisher, log } = setup();
    const storeError = new Error("connection terminated");
    store.failSaves = storeError;

    const report = await updater.updateAssets(ASSETS);

    expect(report.updated).toEqual([]);
    expect(report.failed.map((f) => [f.asset.symbol, f.error])).toEqual([
      ["XAUUSD", storeError],
      ["EURUSD", storeError],
      ["BTCUSD", storeError],
    ]);
    expect(publisher.published).toEqual([]);
    expect(log.at(-1)).toBe("status failed XAUUSD,EURUSD,BTCUSD");
    expect(store.status.get("XAUUSD")).toMatchObject({ status: "failed", error: "connection terminated" });
  });

  it("spends no budget when the store cannot even record IN_PROGRESS", async () => {
    const { updater, store, provider } = setup();
    store.failStatus = new Error("store down");

    const report = await updater.updateAssets(ASSETS);

    expect(provider.requests).toEqual([]);
    expect(report.failed.map((f) => f.error.message)).toEqual(["store down", "store down", "store down"]);
    expect(report.usage).toEqual({ calls: 0, waits: 0 });
  });

  it("an asset the provider left out of its answer counts as failed", async () => {
    const { updater, provider } = setup();
    provider.fetchSnapshots = async (_assets, options) => {
      options.usage.calls += 1;
      return [];
    };
    const report = await updater.updateAssets(ASSETS.slice(0, 1));
    expect(report.failed[0]?.error).toMatchObject({ kind: "invalid_response" });
  });

  it("reports budget usage filled in by the provider", async () => {
    const { updater, clock } = setup({ limit: 2 });
    const running = updater.updateAssets(ASSETS);
    await clock.advance(60_000);
    const report = await running;
    expect(report.usage).toEqual({ calls: 3, waits: 1 });
  });

  it("passes pre-paid tokens to the provider, which then does not wait for the budget", async () => {
    const { updater, clock } = setup({ limit: 1 });
    const report = await updater.updateAssets(ASSETS, { prepaidCalls: 3 });
    expect(report.usage).toEqual({ calls: 3, waits: 0 });
    expect(report.updated).toHaveLength(3);
    expect(clock.sleeping).toBe(0);
  });

  it("when only budget waits are aborted, keeps what was fetched and fails the rest as rate_limited", async () => {
    const { updater, clock, store, publisher } = setup({ limit: 1 });
    const budgetAbort = new AbortController();
    const running = updater.updateAssets(ASSETS, {
      signal: new AbortController().signal,
      budgetSignal: budgetAbort.signal,
    });
    await settle();
    expect(clock.sleeping).toBe(1);
    budgetAbort.abort(new Error("service is shutting down"));

    const report = await running;
    expect(report.updated.map((s) => s.symbol)).toEqual(["XAUUSD"]);
    expect(report.failed.map(({ asset, error }) => [asset.symbol, (error as ProviderError).kind])).toEqual([
      ["EURUSD", "rate_limited"],
      ["BTCUSD", "rate_limited"],
    ]);
    expect(report.usage).toEqual({ calls: 1, waits: 0 });
    expect(store.status.get("EURUSD")).toEqual({
      symbol: "EURUSD",
      status: "failed",
      error: "rate_limited: call not made: service is shutting down",
    });
    expect(publisher.published).toEqual([[report.updated[0]]]);
  });

  it("when aborted, marks the assets FAILED and rejects with the abort reason", async () => {
    const { updater, provider, store } = setup();
    provider.hold();
    const controller = new AbortController();
    const running = updater.updateAssets(ASSETS, { signal: controller.signal });
    await settle();
    expect(provider.inFlight).toBe(1);
    const reason = new Error("shutting down");
    controller.abort(reason);

    await expect(running).rejects.toBe(reason);
    expect(store.status.get("BTCUSD")).toEqual({
      symbol: "BTCUSD",
      status: "failed",
      error: "shutting down",
    });
    expect(store.saved).toEqual([]);
  });

  it("does nothing for an empty list", async () => {
    const { updater, log } = setup();
    expect(await updater.updateAssets([])).toEqual({
      updated: [],
      failed: [],
      usage: { calls: 0, waits: 0 },
    });
    expect(log).toEqual([]);
  });
});
