import { describe, expect, it } from "vitest";
import { lastFridayCloseBefore, SandboxFaults } from "../../../src/providers/sandbox/faults.js";
import { INSTRUMENTS, type Instrument } from "../../../src/providers/sandbox/instruments.js";
import { SimulatedMarket } from "../../../src/providers/sandbox/market.js";

function instrument(ticker: string): Instrument {
  const found = INSTRUMENTS.find((candidate) => candidate.ticker === ticker);
  if (!found) throw new Error(`no instrument ${ticker}`);
  return found;
}

const MONDAY_NOON = Date.UTC(2025, 0, 13, 12, 0, 0);

describe("SandboxFaults request faults", () => {
  it("applies a fault to requests about its tickers only, and to 'every ticker' requests", () => {
    const faults = new SandboxFaults();
    faults.set({ kind: "5xx", tickers: ["C:XAUUSD"] });

    expect(faults.takeRequestFault(["5xx"], ["C:EURUSD"])).toBeUndefined();
    expect(faults.takeRequestFault(["5xx"], ["C:EURUSD", "C:XAUUSD"])?.kind).toBe("5xx");
    expect(faults.takeRequestFault(["5xx"], null)?.kind).toBe("5xx");
    expect(faults.takeRequestFault(["slow"], ["C:XAUUSD"])).toBeUndefined();
  });

  it("is used up after `count` requests; without a count it lasts until cleared", () => {
    const faults = new SandboxFaults();
    faults.set({ kind: "malformed", count: 2 }, { kind: "slow" });

    const taken = [1, 2, 3].map(() => faults.takeRequestFault(["malformed"], null)?.kind);

    expect(taken).toEqual(["malformed", "malformed", undefined]);
    expect(faults.active()).toEqual([{ kind: "slow" }]);
    faults.clear();
    expect(faults.active()).toEqual([]);
  });

  it("refuses a count that is not a positive integer", () => {
    expect(() => new SandboxFaults().add({ kind: "5xx", count: 0 })).toThrow(RangeError);
  });
});

describe("SandboxFaults item faults", () => {
  it("crosses forex quotes of the named tickers and leaves others alone", () => {
    const market = new SimulatedMarket();
    const faults = new SandboxFaults();
    faults.set({ kind: "crossed", tickers: ["C:EURUSD"] });
    const pass = faults.itemPass();

    const euro = pass.adjust(market.tick(instrument("C:EURUSD"), MONDAY_NOON));
    const gold = pass.adjust(market.tick(instrument("C:XAUUSD"), MONDAY_NOON));

    expect(euro.bid).toBeGreaterThan(euro.ask);
    expect(gold.bid).toBeLessThan(gold.ask);
    expect(pass.finish()).toEqual(["crossed"]);
  });

  it("freezes a weekend-stale quote at last Friday 21:59:59 UTC, the same on every request", () => {
    const market = new SimulatedMarket();
    const faults = new SandboxFaults();
    faults.set({ kind: "weekendStale" });
    const euro = instrument("C:EURUSD");

    const first = faults.itemPass().adjust(market.tick(euro, MONDAY_NOON));
    const second = faults.itemPass().adjust(market.tick(euro, MONDAY_NOON + 60_000));

    expect(new Date(first.at).toISOString()).toBe("2025-01-10T21:59:59.000Z");
    expect(first.marketClosed).toBe(true);
    expect(second).toEqual(first);
  });

  it("zeroes the day and minute bars for dayReset, and prices for zeroPrice", () => {
    const market = new SimulatedMarket();
    const faults = new SandboxFaults();
    faults.set({ kind: "dayReset" }, { kind: "zeroPrice", tickers: ["X:BTCUSD"] });
    const pass = faults.itemPass();

    const bitcoin = pass.adjust(market.tick(instrument("X:BTCUSD"), MONDAY_NOON));

    expect(bitcoin.day).toEqual({ o: 0, h: 0, l: 0, c: 0, v: 0 });
    expect(bitcoin.minute).toMatchObject({ o: 0, c: 0, n: 0 });
    expect(bitcoin.price).toBe(0);
    expect(bitcoin.prevDay.c).toBe(0);
    expect(pass.finish().sort()).toEqual(["dayReset", "zeroPrice"]);
  });
});

describe("lastFridayCloseBefore", () => {
  it.each([
    ["a Monday", "2025-01-13T12:00:00Z", "2025-01-10T22:00:00.000Z"],
    ["a Saturday", "2025-01-11T03:00:00Z", "2025-01-10T22:00:00.000Z"],
    ["a Friday before the close", "2025-01-17T21:59:00Z", "2025-01-10T22:00:00.000Z"],
    ["a Friday at the close", "2025-01-17T22:00:00Z", "2025-01-17T22:00:00.000Z"],
  ])("from %s", (_case, at, expected) => {
    expect(new Date(lastFridayCloseBefore(Date.parse(at))).toISOString()).toBe(expected);
  });
});
