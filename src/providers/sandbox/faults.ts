/**
 * Faults the sandbox can inject, switched on and off by tests through `sandbox.faults`
 * (reference/polygon-api.md §8 lists the scenarios). Request faults replace or delay a whole
 * answer; item faults change the data of the tickers they name inside an otherwise good answer.
 */
import type { MarketTick } from "./market.js";

/** Faults that change a whole answer. */
export type RequestFaultKind =
  /** A gateway error: 502 (default) / 503 / 504 with nginx's HTML page, or 500 with an ERROR body. */
  | "5xx"
  /** The answer is held back `delayMs` (default 15 s, past the client's 10 s timeout). */
  | "slow"
  /** 200 with the JSON cut off halfway. */
  | "malformed"
  /** 429 with an empty body, as some live 429s are; the key's budget is not spent. */
  | "empty429"
  /** 429 with the live ERROR body even though the budget has room; not spent either. */
  | "429";

/** Faults that change the data of matching tickers. */
export type ItemFaultKind =
  /** Forex quote with bid above ask (crypto has no quote and is left alone). */
  | "crossed"
  /** Quote bid, trade price and previous-day close are 0. */
  | "zeroPrice"
  /** The quote froze at last Friday 21:59:59 UTC, as forex does over the weekend close. */
  | "weekendStale"
  /** Day and minute bars zeroed, as just after the daily reset (§7). */
  | "dayReset";

export type FaultKind = RequestFaultKind | ItemFaultKind;

export const REQUEST_FAULT_KINDS: readonly RequestFaultKind[] = [
  "5xx",
  "slow",
  "malformed",
  "empty429",
  "429",
];

export interface FaultSpec {
  kind: FaultKind;
  /** Only requests about these tickers (item faults: only these tickers' data). Default: all. */
  tickers?: readonly string[];
  /** Requests the fault affects before it is used up. Default: until cleared. */
  count?: number;
  /** `slow`: how long the answer is held back, ms. Default 15000. */
  delayMs?: number;
  /** `5xx`: the HTTP status. Default 502. */
  status?: number;
  /** `429` / `empty429`: send `Retry-After` with this many seconds (the live API sends none). */
  retryAfterSeconds?: number;
}

/** A tick as a fault may have changed it. */
export interface SandboxTick extends MarketTick {
  /** Set by `weekendStale`: the market of the ticker is closed (v3 `market_status`). */
  marketClosed?: boolean;
}

interface ActiveFault {
  spec: FaultSpec;
  /** Requests left; Infinity until cleared. */
  remaining: number;
}

const WEEK_MS = 7 * 86_400_000;
/** 1970-01-02 (a Friday) 22:00 UTC: the forex weekly close. */
const A_FRIDAY_CLOSE_MS = Date.UTC(1970, 0, 2, 22, 0, 0);

export class SandboxFaults {
  #active: ActiveFault[] = [];
  /** Frozen weekend quotes by ticker, so repeated requests see the same stale quote. */
  #frozen = new Map<string, SandboxTick>();

  /** Replaces every active fault with `specs`. */
  set(...specs: FaultSpec[]): void {
    this.clear();
    for (const spec of specs) this.add(spec);
  }

  /** Adds a fault to the active ones. */
  add(spec: FaultSpec): void {
    if (spec.count !== undefined && !(Number.isInteger(spec.count) && spec.count > 0)) {
      throw new RangeError(`fault count must be a positive integer, got ${spec.count}`);
    }
    this.#active.push({ spec: { ...spec }, remaining: spec.count ?? Number.POSITIVE_INFINITY });
  }

  clear(): void {
    this.#active = [];
    this.#frozen.clear();
  }

  /** Active faults with the requests each has left (`count` absent: until cleared). */
  active(): FaultSpec[] {
    return this.#active.map(({ spec, remaining }) =>
      Number.isFinite(remaining) ? { ...spec, count: remaining } : { ...spec },
    );
  }

  /**
   * The first active request fault of one of `kinds` that applies to a request about `tickers`
   * (null: every ticker), using up one of its requests.
   */
  takeRequestFault(
    kinds: readonly RequestFaultKind[],
    tickers: readonly string[] | null,
  ): FaultSpec | undefined {
    const found = this.#active.find(
      ({ spec }) => (kinds as readonly FaultKind[]).includes(spec.kind) && concerns(spec, tickers),
    );
    if (found) this.#use(found);
    return found?.spec;
  }

  /**
   * An item-fault pass over one answer: `adjust` changes each tick the active item faults name,
   * `finish` uses up one request of each fault that changed something, and lists their kinds.
   */
  itemPass(): { adjust(tick: MarketTick): SandboxTick; finish(): ItemFaultKind[] } {
    const applied = new Set<ActiveFault>();
    const adjust = (tick: MarketTick): SandboxTick => {
      let result: SandboxTick = tick;
      for (const fault of this.#active) {
        if (isRequestFault(fault.spec.kind) || !concerns(fault.spec, [tick.instrument.ticker])) continue;
        result = this.#applyItemFault(fault.spec.kind as ItemFaultKind, result);
        applied.add(fault);
      }
      return result;
    };
    const finish = (): ItemFaultKind[] => {
      for (const fault of applied) this.#use(fault);
      return [...applied].map((fault) => fault.spec.kind as ItemFaultKind);
    };
    return { adjust, finish };
  }

  #applyItemFault(kind: ItemFaultKind, tick: SandboxTick): SandboxTick {
    switch (kind) {
      case "crossed":
        return tick.instrument.assetClass === "forex" ? { ...tick, bid: tick.ask, ask: tick.bid } : tick;
      case "zeroPrice":
        return { ...tick, bid: 0, price: 0, prevDay: { ...tick.prevDay, c: 0 } };
      case "dayReset":
        return {
          ...tick,
          day: { o: 0, h: 0, l: 0, c: 0, v: 0 },
          minute: { o: 0, h: 0, l: 0, c: 0, v: 0, n: 0, t: tick.minute.t },
        };
      case "weekendStale": {
        const frozen = this.#frozen.get(tick.instrument.ticker) ?? {
          ...tick,
          at: lastFridayCloseBefore(tick.at) - 1000,
          marketClosed: true,
        };
        this.#frozen.set(tick.instrument.ticker, frozen);
        return frozen;
      }
    }
  }

  #use(fault: ActiveFault): void {
    fault.remaining -= 1;
    if (fault.remaining <= 0) this.#active = this.#active.filter((candidate) => candidate !== fault);
  }
}

export function isRequestFault(kind: FaultKind): kind is RequestFaultKind {
  return (REQUEST_FAULT_KINDS as readonly FaultKind[]).includes(kind);
}

/** Whether a fault naming `spec.tickers` applies to a request about `tickers` (null: all). */
function concerns(spec: FaultSpec, tickers: readonly string[] | null): boolean {
  if (spec.tickers === undefined || tickers === null) return true;
  return tickers.some((ticker) => spec.tickers?.includes(ticker));
}

/** The latest Friday 22:00 UTC at or before `at` (epoch ms). */
export function lastFridayCloseBefore(at: number): number {
  return at - ((((at - A_FRIDAY_CLOSE_MS) % WEEK_MS) + WEEK_MS) % WEEK_MS);
}
