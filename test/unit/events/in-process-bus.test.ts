import { describe, expect, it } from "vitest";
import { InProcessPriceBus } from "../../../src/events/in-process-price-bus.js";
import { openEvents } from "../../../src/events/open-events.js";
import type { PriceUpdateEvent } from "../../../src/models/price-event.js";
import { FakeLogger, makeSnapshot } from "../../support/fakes.js";

const AT = Date.parse("2026-01-02T03:04:05.678Z");

describe("InProcessPriceBus", () => {
  it("delivers the spec's event body for each snapshot, in order, before publish resolves", async () => {
    const bus = new InProcessPriceBus();
    const received: PriceUpdateEvent[] = [];
    bus.subscribe((event) => received.push(event));

    await bus.publish([makeSnapshot("XAUUSD", AT, 2650.3), makeSnapshot("EURUSD", AT, 1.04)]);

    expect(received).toEqual([
      {
        type: "price_update",
        symbol: "XAUUSD",
        data: {
          bid: 2649.8,
          ask: 2650.8,
          spread: 1,
          last_price: 2650.3,
          timestamp: "2026-01-02T03:04:05.678Z",
        },
      },
      expect.objectContaining({ symbol: "EURUSD" }),
    ]);
  });

  it("stops delivering to a listener once it unsubscribes, and keeps the others", async () => {
    const bus = new InProcessPriceBus();
    const kept: string[] = [];
    const dropped: string[] = [];
    bus.subscribe((event) => kept.push(event.symbol));
    const unsubscribe = bus.subscribe((event) => dropped.push(event.symbol));

    await bus.publish([makeSnapshot("XAUUSD", AT)]);
    unsubscribe();
    unsubscribe(); // idempotent
    await bus.publish([makeSnapshot("EURUSD", AT)]);

    expect(kept).toEqual(["XAUUSD", "EURUSD"]);
    expect(dropped).toEqual(["XAUUSD"]);
  });

  it("treats the same function subscribed twice as two subscriptions", async () => {
    const bus = new InProcessPriceBus();
    const received: string[] = [];
    const listener = (event: PriceUpdateEvent) => received.push(event.symbol);
    const first = bus.subscribe(listener);
    bus.subscribe(listener);
    first();

    await bus.publish([makeSnapshot("XAUUSD", AT)]);

    expect(received).toEqual(["XAUUSD"]);
  });

  it("logs a listener that throws and still delivers to the others", async () => {
    const logger = new FakeLogger();
    const bus = new InProcessPriceBus(logger);
    const received: string[] = [];
    bus.subscribe(() => {
      throw new Error("listener bug");
    });
    bus.subscribe((event) => received.push(event.symbol));

    await expect(bus.publish([makeSnapshot("XAUUSD", AT)])).resolves.toBeUndefined();

    expect(received).toEqual(["XAUUSD"]);
    expect(logger.messages("error")).toEqual(["price update listener failed"]);
  });

  it("lets a listener unsubscribe while an event is being delivered", async () => {
    const bus = new InProcessPriceBus();
    const received: string[] = [];
    const unsubscribe = bus.subscribe((event) => {
      received.push(event.symbol);
      unsubscribe();
    });
    bus.subscribe((event) => received.push(`other:${event.symbol}`));

    await bus.publish([makeSnapshot("XAUUSD", AT), makeSnapshot("EURUSD", AT)]);

    expect(received).toEqual(["XAUUSD", "other:XAUUSD", "other:EURUSD"]);
  });

  it("counts subscribers: each subscription until it ends, and none after close", () => {
    const bus = new InProcessPriceBus();
    const listener = () => {};
    const first = bus.subscribe(listener);
    const second = bus.subscribe(listener);
    bus.subscribe(() => {});
    expect(bus.subscriberCount).toBe(3);
    first();
    first();
    expect(bus.subscriberCount).toBe(2);
    second();
    expect(bus.subscriberCount).toBe(1);
    bus.close();
    expect(bus.subscriberCount).toBe(0);
  });

  it("delivers nothing after close", async () => {
    const bus = new InProcessPriceBus();
    const received: string[] = [];
    bus.subscribe((event) => received.push(event.symbol));
    bus.close();
    await bus.publish([makeSnapshot("XAUUSD", AT)]);
    expect(received).toEqual([]);
  });
});

describe("openEvents without REDIS_URL", () => {
  it("connects the publisher to the source in process", async () => {
    const events = await openEvents({});
    const received: string[] = [];
    events.source.subscribe((event) => received.push(event.symbol));

    await events.publisher.publish([makeSnapshot("BTCUSD", AT)]);
    await events.close();
    await events.publisher.publish([makeSnapshot("ETHUSDT", AT)]);

    expect(events.kind).toBe("in-process");
    expect(received).toEqual(["BTCUSD"]);
  });
});
