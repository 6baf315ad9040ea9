import { describe, expect, it } from "vitest";
import { INSTRUMENTS, type Instrument } from "../../../src/providers/sandbox/instruments.js";
import { SimulatedMarket } from "../../../src/providers/sandbox/market.js";

/** mulberry32: a small seeded PRNG, so every run walks the same path. */
function seededRandom(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function instrument(ticker: string): Instrument {
  const found = INSTRUMENTS.find((candidate) => candidate.ticker === ticker);
  if (!found) throw new Error(`no instrument ${ticker}`);
  return found;
}

const START = Date.UTC(2025, 0, 13, 12, 0, 0);

describe("SimulatedMarket", () => {
  it.each(INSTRUMENTS.map((candidate) => [candidate.ticker, candidate] as const))(
    "keeps %s within 5% of its level over 20 000 steps, with positive, uncrossed quotes",
    (_ticker, subject) => {
      const market = new SimulatedMarket(seededRandom(7));
      let largestDeviation = 0;
      const badTicks: string[] = [];
      for (let step = 0; step < 20_000; step += 1) {
        const tick = market.tick(subject, START + step * 1_000);
        largestDeviation = Math.max(largestDeviation, Math.abs(tick.price / subject.level - 1));
        const crossed = subject.assetClass === "forex" && !(tick.ask > tick.bid);
        const outsideDay = tick.price < tick.day.l || tick.price > tick.day.h;
        if (tick.bid <= 0 || crossed || outsideDay) badTicks.push(JSON.stringify(tick));
      }

      expect(largestDeviation).toBeLessThan(0.05);
      expect(badTicks.slice(0, 3)).toEqual([]);
    },
  );

  it("moves the price between requests", () => {
    const market = new SimulatedMarket(seededRandom(1));
    const gold = instrument("C:XAUUSD");

    const prices = new Set([0, 1, 2, 3, 4].map((step) => market.tick(gold, START + step).price));

    expect(prices.size).toBeGreaterThan(1);
  });

  it("repeats the same path for the same seed", () => {
    const walk = (seed: number) => {
      const market = new SimulatedMarket(seededRandom(seed));
      return [0, 1, 2].map((step) => market.tick(instrument("X:BTCUSD"), START + step).price);
    };

    expect(walk(42)).toEqual(walk(42));
    expect(walk(42)).not.toEqual(walk(43));
  });

  it("closes the day bar at UTC midnight: yesterday's bar becomes prevDay", () => {
    const market = new SimulatedMarket(seededRandom(3));
    const euro = instrument("C:EURUSD");
    const lastOfDay = market.tick(euro, Date.UTC(2025, 0, 13, 23, 59, 59));

    const firstOfNextDay = market.tick(euro, Date.UTC(2025, 0, 14, 0, 0, 1));

    expect(firstOfNextDay.prevDay).toEqual(lastOfDay.day);
    expect(firstOfNextDay.day.o).toBe(firstOfNextDay.price);
    expect(firstOfNextDay.day.v).toBe(1);
  });

  it("starts a new minute bar when the minute changes", () => {
    const market = new SimulatedMarket(seededRandom(5));
    const bitcoin = instrument("X:BTCUSD");
    market.tick(bitcoin, Date.UTC(2025, 0, 13, 12, 0, 10));
    const sameMinute = market.tick(bitcoin, Date.UTC(2025, 0, 13, 12, 0, 50));

    const nextMinute = market.tick(bitcoin, Date.UTC(2025, 0, 13, 12, 1, 5));

    expect(sameMinute.minute).toMatchObject({ n: 2, t: Date.UTC(2025, 0, 13, 12, 0, 0) });
    expect(nextMinute.minute).toMatchObject({ n: 1, t: Date.UTC(2025, 0, 13, 12, 1, 0) });
  });
});
