import { describe, expect, it } from "vitest";
import type { PriceUpdateEvent } from "../../../src/models/price-event.js";
import { LatestPriceBuffer } from "../../../src/services/latest-price-buffer.js";

function price(symbol: string, bid: number): PriceUpdateEvent {
  return {
    type: "price_update",
    symbol,
    data: { bid, ask: bid + 1, spread: 1, last_price: bid + 0.5, timestamp: new Date(0).toISOString() },
  };
}

async function take(buffer: LatestPriceBuffer, count: number): Promise<PriceUpdateEvent[]> {
  const controller = new AbortController();
  const taken: PriceUpdateEvent[] = [];
  for await (const event of buffer.drain(controller.signal)) {
    taken.push(event);
    if (taken.length === count) controller.abort();
  }
  return taken;
}

describe("LatestPriceBuffer", () => {
  it("keeps only the latest update per symbol for a consumer that has not read", async () => {
    const buffer = new LatestPriceBuffer(() => true);
    for (let i = 1; i <= 1000; i++) buffer.push(price(i % 2 === 0 ? "XAUUSD" : "BTCUSD", i));
    expect(buffer.size).toBe(2);
    expect(buffer.conflated).toBe(998);
    const taken = await take(buffer, 2);
    expect(taken.map((e) => [e.symbol, e.data.bid])).toEqual([
      ["BTCUSD", 999],
      ["XAUUSD", 1000],
    ]);
  });

  it("drops symbols the subscriber did not ask for", () => {
    const buffer = new LatestPriceBuffer((symbol) => symbol === "EURUSD");
    buffer.push(price("XAUUSD", 1));
    buffer.push(price("EURUSD", 2));
    expect(buffer.size).toBe(1);
  });

  it("wakes a waiting reader on push and ends when the signal aborts", async () => {
    const buffer = new LatestPriceBuffer(() => true);
    const reading = take(buffer, 1);
    await Promise.resolve();
    buffer.push(price("EURUSD", 1.08));
    await expect(reading).resolves.toHaveLength(1);

    const controller = new AbortController();
    const iterator = buffer.drain(controller.signal);
    const next = iterator.next();
    controller.abort();
    await expect(next).resolves.toEqual({ done: true, value: undefined });
  });
});
