import { describe, expect, it } from "vitest";
import { MonitoredPublisher } from "../../../src/events/monitored-publisher.js";
import type { AssetSnapshot } from "../../../src/models/batch.js";
import type { PriceEventPublisher } from "../../../src/services/ports.js";
import { FakeClock, FakeLogger, makeSnapshot } from "../../support/fakes.js";

class FlakyPublisher implements PriceEventPublisher {
  down = false;
  published: AssetSnapshot[] = [];
  async publish(snapshots: readonly AssetSnapshot[]): Promise<void> {
    if (this.down) throw new Error("Connection is closed.");
    this.published.push(...snapshots);
  }
}

describe("MonitoredPublisher", () => {
  it("never rejects, counts failures, logs one warning per outage and one line on recovery", async () => {
    const inner = new FlakyPublisher();
    const clock = new FakeClock();
    const logger = new FakeLogger();
    const changes: boolean[] = [];
    const publisher = new MonitoredPublisher(inner, clock, logger, (healthy) => changes.push(healthy));

    await publisher.publish([makeSnapshot("XAUUSD", clock.now())]);
    inner.down = true;
    const outageStart = clock.now();
    for (let i = 0; i < 5; i++) {
      await expect(
        publisher.publish([makeSnapshot("XAUUSD", clock.now()), makeSnapshot("EURUSD", clock.now())]),
      ).resolves.toBeUndefined();
      await clock.advance(1000);
    }
    expect(publisher.health()).toEqual({
      healthy: false,
      failedPublishes: 5,
      lostEvents: 10,
      outageSince: new Date(outageStart),
    });
    inner.down = false;
    await publisher.publish([makeSnapshot("BTCUSD", clock.now())]);

    expect(publisher.health()).toMatchObject({ healthy: true, failedPublishes: 5, outageSince: null });
    expect(changes).toEqual([false, true]);
    expect(logger.entries.filter((e) => e.level === "warn")).toHaveLength(1);
    expect(logger.entries.filter((e) => e.msg === "price events are published again")).toEqual([
      expect.objectContaining({ obj: expect.objectContaining({ failedPublishes: 5, outageMs: 5000 }) }),
    ]);
    expect(inner.published.map((s) => s.symbol)).toEqual(["XAUUSD", "BTCUSD"]);
  });
});
