import { describe, expect, it } from "vitest";
import type { AssetRef } from "../../../src/models/batch.js";
import { ProviderAccessMonitor, type UpdateOutcomes } from "../../../src/services/provider-access.js";
import { FakeClock, FakeLogger, providerError } from "../../support/fakes.js";

const ref = (symbol: string): AssetRef => ({ symbol, polygonTicker: `C:${symbol}`, assetType: "forex" });

function outcomes(updated: string[], failed: Array<[string, ReturnType<typeof providerError> | Error]>) {
  return {
    updated: updated.map((symbol) => ({ symbol })),
    failed: failed.map(([symbol, error]) => ({ asset: ref(symbol), error })),
  } satisfies UpdateOutcomes;
}

function setup() {
  const clock = new FakeClock();
  const logger = new FakeLogger();
  const monitor = new ProviderAccessMonitor(clock, logger);
  let changes = 0;
  monitor.onChange(() => {
    changes += 1;
  });
  return { clock, logger, monitor, changes: () => changes };
}

const rejected = () =>
  providerError("unauthorized", "Polygon rejected POLYGON_API_KEY (HTTP 401: Unknown API Key)");

describe("ProviderAccessMonitor", () => {
  it("logs a rejected key once, however many updates see it, and once more when it works again", async () => {
    const { clock, logger, monitor, changes } = setup();
    const t0 = clock.now();
    for (let i = 0; i < 5; i++) {
      monitor.observe(
        outcomes(
          [],
          [
            ["XAUUSD", rejected()],
            ["EURUSD", rejected()],
          ],
        ),
      );
      await clock.advance(60_000);
    }
    expect(logger.entries.filter((e) => e.level === "error")).toEqual([
      expect.objectContaining({
        obj: {
          err: "unauthorized: Polygon rejected POLYGON_API_KEY (HTTP 401: Unknown API Key)",
          symbols: ["XAUUSD", "EURUSD"],
        },
        msg: expect.stringMatching(/^POLYGON_API_KEY rejected by the provider \(HTTP 401\)/),
      }),
    ]);
    expect(monitor.isKeyRejected).toBe(true);
    expect(monitor.status().keyRejected).toEqual({
      reason: "unauthorized: Polygon rejected POLYGON_API_KEY (HTTP 401: Unknown API Key)",
      since: new Date(t0),
    });
    expect(changes()).toBe(1);

    monitor.observe(outcomes(["XAUUSD"], []));
    expect(monitor.status().keyRejected).toBeNull();
    expect(logger.entries.at(-1)).toMatchObject({
      level: "info",
      obj: { rejectedForMs: 5 * 60_000 },
      msg: "POLYGON_API_KEY accepted again; the queue processor resumes",
    });
    expect(changes()).toBe(2);
  });

  it("keeps the key rejected through updates that did not reach the provider", () => {
    const { monitor, changes } = setup();
    monitor.observe(outcomes([], [["XAUUSD", rejected()]]));
    monitor.observe(outcomes([], [["XAUUSD", providerError("rate_limited", "call not made")]]));
    monitor.observe(outcomes([], [["XAUUSD", new Error("database is down")]]));
    expect(monitor.isKeyRejected).toBe(true);
    expect(changes()).toBe(1);
  });

  it("logs plan refusals once when they start, tracks them per asset, and notes their end", () => {
    const { logger, monitor, changes } = setup();
    const refused = () => providerError("not_entitled", "plan does not include snapshots");
    monitor.observe(outcomes(["BTCUSD"], [["XAUUSD", refused()]]));
    monitor.observe(
      outcomes(
        [],
        [
          ["XAUUSD", refused()],
          ["EURUSD", refused()],
        ],
      ),
    );
    expect(logger.messages("error")).toHaveLength(1);
    expect(logger.entries.find((e) => e.level === "error")?.obj).toEqual({
      err: "not_entitled: plan does not include snapshots",
      symbols: ["XAUUSD"],
    });
    expect(logger.entries.filter((e) => e.level === "debug").map((e) => e.obj)).toEqual([
      { err: "not_entitled: plan does not include snapshots", symbols: ["EURUSD"] },
    ]);
    expect(monitor.status()).toEqual({ keyRejected: null, notEntitled: ["EURUSD", "XAUUSD"] });

    monitor.observe(outcomes(["XAUUSD"], []));
    expect(monitor.status().notEntitled).toEqual(["EURUSD"]);
    monitor.observe(outcomes(["EURUSD"], []));
    expect(monitor.status().notEntitled).toEqual([]);
    expect(logger.messages("info")).toEqual(["the provider serves every asset again (no plan refusal left)"]);
    expect(changes()).toBe(4);
  });

  it("passes every report of a watched updater through, and a throwing listener harms no other", async () => {
    const { logger, monitor } = setup();
    let called = 0;
    monitor.onChange(() => {
      throw new Error("listener bug");
    });
    monitor.onChange(() => {
      called += 1;
    });
    const report = { ...outcomes([], [["XAUUSD", rejected()]]), usage: { calls: 1, waits: 0 } };
    const updater = monitor.watch({ updateAssets: async () => ({ ...report, updated: [] }) });
    expect(await updater.updateAssets([ref("XAUUSD")])).toMatchObject({ usage: { calls: 1, waits: 0 } });
    expect(monitor.isKeyRejected).toBe(true);
    expect(called).toBe(1);
    expect(logger.messages("error")).toContain("provider access listener failed");
  });
});
