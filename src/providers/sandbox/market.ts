/**
 * A simulated market: each request for a ticker moves its price one step of a mean-reverting
 * random walk, so prices change plausibly between polls but never drift away from their level.
 * Day bars follow the UTC day, as Polygon's forex bars do.
 */
import type { Instrument } from "./instruments.js";

/** An OHLC bar with volume. */
export interface Bar {
  o: number;
  h: number;
  l: number;
  c: number;
  v: number;
}

/** The current minute's bar: `t` is its start (epoch ms), `n` the number of ticks in it. */
export interface MinuteBar extends Bar {
  n: number;
  t: number;
}

/** The state of one ticker after a step. */
export interface MarketTick {
  instrument: Instrument;
  /** Epoch ms of the step. */
  at: number;
  /** Quote sides (forex). */
  bid: number;
  ask: number;
  /** Last trade price (crypto) or quote midpoint (forex). */
  price: number;
  /** Size of the last trade (crypto). */
  size: number;
  /** Id of the last trade (crypto). */
  tradeId: number;
  day: Bar;
  prevDay: Bar;
  minute: MinuteBar;
}

interface TickerState {
  /** Unrounded midpoint the walk moves. */
  mid: number;
  dayIndex: number;
  day: Bar;
  prevDay: Bar;
  minute: MinuteBar;
  tradeId: number;
}

const DAY_MS = 86_400_000;
const MINUTE_MS = 60_000;
/** Pull back toward the level per step; keeps the walk within about ±1% of it. */
const MEAN_REVERSION = 0.02;

export class SimulatedMarket {
  readonly #states = new Map<string, TickerState>();
  readonly #random: () => number;

  /** `random` returns uniform values in [0, 1); inject a seeded one for reproducible prices. */
  constructor(random: () => number = Math.random) {
    this.#random = random;
  }

  /** Moves `instrument` one step at time `at` (epoch ms) and returns its new state. */
  tick(instrument: Instrument, at: number): MarketTick {
    const state = this.#states.get(instrument.ticker) ?? this.#openingState(instrument, at);
    this.#states.set(instrument.ticker, state);

    const shock = instrument.stepVolatility * this.#gaussian();
    state.mid *= Math.exp(shock - MEAN_REVERSION * Math.log(state.mid / instrument.level));

    const tick = round(10 ** -instrument.decimals, 10);
    const halfSpread = (instrument.spreadTicks * tick * (1 + 0.5 * this.#random())) / 2;
    const bid = round(state.mid - halfSpread, instrument.decimals);
    // Rounding must never cross or lock a quote that has a spread.
    const ask = Math.max(
      round(state.mid + halfSpread, instrument.decimals),
      round(bid + tick, instrument.decimals),
    );
    const price = round(state.mid, instrument.decimals);
    const size = instrument.assetClass === "crypto" ? round(0.0001 + this.#random() * 0.5, 4) : 0;

    this.#rollBars(state, at, price);
    // Forex volume counts quotes; crypto volume sums traded size.
    const volume = instrument.assetClass === "crypto" ? size : 1;
    addToBar(state.day, price, volume);
    addToBar(state.minute, price, volume);
    state.minute.n += 1;
    state.tradeId += 1;

    return {
      instrument,
      at,
      bid,
      ask,
      price,
      size,
      tradeId: state.tradeId,
      day: { ...state.day },
      prevDay: { ...state.prevDay },
      minute: { ...state.minute },
    };
  }

  #openingState(instrument: Instrument, at: number): TickerState {
    const { level, decimals } = instrument;
    const prevOpen = level * (1 + 0.002 * this.#gaussian());
    const prevDay: Bar = {
      o: round(prevOpen, decimals),
      h: round(Math.max(prevOpen, level) * 1.003, decimals),
      l: round(Math.min(prevOpen, level) * 0.997, decimals),
      c: round(level, decimals),
      v: instrument.assetClass === "crypto" ? 15_000 : 140_000,
    };
    return {
      mid: level,
      dayIndex: Math.floor(at / DAY_MS),
      day: openBar(prevDay.c),
      prevDay,
      minute: { ...openBar(prevDay.c), n: 0, t: minuteStart(at) },
      tradeId: 700_000_000,
    };
  }

  /** Starts new day and minute bars when `at` has crossed into them. */
  #rollBars(state: TickerState, at: number, price: number): void {
    const dayIndex = Math.floor(at / DAY_MS);
    if (dayIndex !== state.dayIndex) {
      state.prevDay = state.day;
      state.day = openBar(price);
      state.dayIndex = dayIndex;
    }
    if (minuteStart(at) !== state.minute.t) {
      state.minute = { ...openBar(price), n: 0, t: minuteStart(at) };
    }
  }

  /** Standard normal sample (Box–Muller). */
  #gaussian(): number {
    const u = 1 - this.#random();
    const v = this.#random();
    return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * v);
  }
}

function openBar(price: number): Bar {
  return { o: price, h: price, l: price, c: price, v: 0 };
}

function addToBar(bar: Bar, price: number, volume: number): void {
  bar.h = Math.max(bar.h, price);
  bar.l = Math.min(bar.l, price);
  bar.c = price;
  // Trade sizes have 4 decimals; rounding keeps float sums from printing 0.30000000000000004.
  bar.v = round(bar.v + volume, 4);
}

function minuteStart(at: number): number {
  return at - (at % MINUTE_MS);
}

export function round(value: number, decimals: number): number {
  return Number(value.toFixed(decimals));
}
