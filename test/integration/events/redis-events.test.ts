import { Redis } from "ioredis";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { EventsOpenError, type OpenedEvents, openEvents } from "../../../src/events/open-events.js";
import type { PriceUpdateEvent } from "../../../src/models/price-event.js";
import { TEST_REDIS_URL } from "../../support/env.js";
import { FakeLogger, makeSnapshot } from "../../support/fakes.js";
import { randomChannelPrefix } from "../../support/redis.js";

const AT = Date.parse("2026-01-02T03:04:05.678Z");

/** Collects what arrives through `subscribe` and resolves once `count` items are in. */
function collector<T>() {
  const items: T[] = [];
  let waiting: { count: number; resolve: () => void } | undefined;
  return {
    items,
    push(item: T) {
      items.push(item);
      if (waiting && items.length >= waiting.count) waiting.resolve();
    },
    async until(count: number): Promise<T[]> {
      if (items.length < count) await new Promise<void>((resolve) => (waiting = { count, resolve }));
      return items;
    },
  };
}

describe("Redis price events", () => {
  const prefix = randomChannelPrefix();
  const logger = new FakeLogger();
  let events: OpenedEvents;
  let raw: Redis;
  const rawMessages = collector<{ channel: string; message: string }>();

  beforeAll(async () => {
    events = await openEvents({ redisUrl: TEST_REDIS_URL, channelPrefix: prefix, logger });
    raw = new Redis(TEST_REDIS_URL);
    raw.on("pmessage", (_pattern: string, channel: string, message: string) =>
      rawMessages.push({ channel, message }),
    );
    await raw.psubscribe(`${prefix}asset:update:*`);
  });
  afterAll(async () => {
    await events?.close();
    await raw?.quit();
  });

  it("publishes the spec's JSON body on asset:update:{SYMBOL}", async () => {
    expect(events.kind).toBe("redis");
    const start = rawMessages.items.length;

    await events.publisher.publish([makeSnapshot("XAUUSD", AT, 2650.3)]);

    const [received] = (await rawMessages.until(start + 1)).slice(start);
    expect(received).toEqual({
      channel: `${prefix}asset:update:XAUUSD`,
      message:
        '{"type":"price_update","symbol":"XAUUSD","data":{"bid":2649.8,"ask":2650.8,"spread":1,"last_price":2650.3,"timestamp":"2026-01-02T03:04:05.678Z"}}',
    });
  });

  it("publishes several snapshots in one call, each on its own channel, in order", async () => {
    const start = rawMessages.items.length;
    await events.publisher.publish(["EURUSD", "BTCUSD", "ETHUSDT"].map((symbol) => makeSnapshot(symbol, AT)));
    const received = (await rawMessages.until(start + 3)).slice(start);
    expect(received.map((m) => m.channel)).toEqual(
      ["EURUSD", "BTCUSD", "ETHUSDT"].map((symbol) => `${prefix}asset:update:${symbol}`),
    );
  });

  // Updates published by earlier tests may still be on their way to the source: each test below
  // listens to a symbol of its own.
  function subscribeTo(symbol: string) {
    const received = collector<PriceUpdateEvent>();
    const stop = events.source.subscribe((event) => {
      if (event.symbol === symbol) received.push(event);
    });
    return { received, stop };
  }

  it("delivers every update to each listener until that listener unsubscribes", async () => {
    const kept = subscribeTo("AUDUSD");
    const dropped = subscribeTo("AUDUSD");

    await events.publisher.publish([makeSnapshot("AUDUSD", AT, 1)]);
    await kept.received.until(1);
    await dropped.received.until(1);
    dropped.stop();
    await events.publisher.publish([makeSnapshot("AUDUSD", AT, 2)]);
    // One connection delivers in order: once `kept` has the second update, `dropped` would too.
    await kept.received.until(2);
    kept.stop();

    expect(kept.received.items.map((e) => e.data.last_price)).toEqual([1, 2]);
    expect(dropped.received.items.map((e) => e.data.last_price)).toEqual([1]);
    expect(kept.received.items[0]).toEqual({
      type: "price_update",
      symbol: "AUDUSD",
      data: { bid: 0.5, ask: 1.5, spread: 1, last_price: 1, timestamp: "2026-01-02T03:04:05.678Z" },
    });
  });

  it("ignores malformed messages and warns about the first one only", async () => {
    const { received, stop } = subscribeTo("USDCAD");
    const channel = `${prefix}asset:update:USDCAD`;
    const publisher = new Redis(TEST_REDIS_URL);
    try {
      await publisher.publish(channel, "not json");
      await publisher.publish(channel, '{"type":"price_update","symbol":"USDCAD","data":{"bid":"1"}}');
      await events.publisher.publish([makeSnapshot("USDCAD", AT, 3)]);
      await received.until(1);
    } finally {
      stop();
      await publisher.quit();
    }

    expect(received.items.map((e) => e.data.last_price)).toEqual([3]);
    expect(logger.messages("warn").filter((m) => m.includes("malformed"))).toHaveLength(1);
    expect(logger.entries.filter((e) => e.level === "debug" && e.msg?.includes("malformed"))).toHaveLength(1);
  });
});

describe("openEvents with Redis, lifecycle", () => {
  it("has the subscription active when it resolves: an update published at once arrives", async () => {
    const events = await openEvents({ redisUrl: TEST_REDIS_URL, channelPrefix: randomChannelPrefix() });
    try {
      const received = collector<PriceUpdateEvent>();
      events.source.subscribe((event) => received.push(event));
      await events.publisher.publish([makeSnapshot("XAUUSD", AT)]);
      expect(await received.until(1)).toHaveLength(1);
    } finally {
      await events.close();
    }
  });

  it("rejects a publish after close instead of queueing it", async () => {
    const events = await openEvents({ redisUrl: TEST_REDIS_URL, channelPrefix: randomChannelPrefix() });
    await events.close();
    await expect(events.publisher.publish([makeSnapshot("XAUUSD", AT)])).rejects.toThrow();
    // Several snapshots go through a pipeline, which must fail the same way.
    await expect(
      events.publisher.publish([makeSnapshot("XAUUSD", AT), makeSnapshot("EURUSD", AT)]),
    ).rejects.toThrow();
  });
});

describe("openEvents with an unreachable REDIS_URL", () => {
  it("fails at start naming host and port but never the password", async () => {
    const error = await openEvents({ redisUrl: "redis://:s3cret@127.0.0.1:1" }).catch(
      (reason: unknown) => reason,
    );
    expect(error).toBeInstanceOf(EventsOpenError);
    expect((error as Error).message).toMatch(
      /^cannot connect to Redis at 127\.0\.0\.1:1 \(REDIS_URL\): .*ECONNREFUSED/,
    );
    expect((error as Error).message).not.toContain("s3cret");
  });
});
