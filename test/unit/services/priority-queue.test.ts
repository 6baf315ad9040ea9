import { describe, expect, it } from "vitest";
import { AssetPriority, type AssetRef, type QueuedAsset } from "../../../src/models/batch.js";
import { QueueFullError } from "../../../src/models/errors.js";
import {
  DEFAULT_AGING_STEP_MS,
  MAX_RETRIES,
  PriorityQueue,
  type PriorityQueueOptions,
} from "../../../src/services/priority-queue.js";
import { FakeClock, seededRandom } from "../../support/fakes.js";

const { CRITICAL, HIGH, MEDIUM, LOW } = AssetPriority;
/** Aging step of most tests: one minute. */
const STEP = 60_000;

function ref(symbol: string): AssetRef {
  return { symbol, polygonTicker: `C:${symbol}`, assetType: "forex" };
}

function setup(options: Partial<Omit<PriorityQueueOptions, "clock">> = {}) {
  const clock = new FakeClock();
  const start = clock.now();
  const queue = new PriorityQueue({ clock, agingStepMs: STEP, ...options });
  /** Moves the clock to `offset` ms after the start. */
  const at = (offset: number) => clock.advance(start + offset - clock.now());
  return { clock, queue, start, at };
}

function drain(queue: PriorityQueue): string[] {
  const symbols: string[] = [];
  for (let item = queue.dequeue(); item !== null; item = queue.dequeue()) symbols.push(item.symbol);
  return symbols;
}

function take(queue: PriorityQueue): QueuedAsset {
  const item = queue.dequeue();
  if (item === null) throw new Error("queue unexpectedly empty");
  return item;
}

type Arrival = [symbol: string, priority: AssetPriority, atMs: number];

/** Enqueues the arrivals in time order, then drains the queue. */
async function serve(arrivals: Arrival[], options: Partial<Omit<PriorityQueueOptions, "clock">> = {}) {
  const { queue, at } = setup(options);
  for (const [symbol, priority, atMs] of [...arrivals].sort((a, b) => a[2] - b[2])) {
    await at(atMs);
    expect(queue.enqueue(ref(symbol), priority)).toBe("enqueued");
  }
  return drain(queue);
}

describe("PriorityQueue options", () => {
  it.each([0, -1, Number.NaN, Number.POSITIVE_INFINITY])("refuses agingStepMs %s", (agingStepMs) => {
    expect(() => new PriorityQueue({ clock: new FakeClock(), agingStepMs })).toThrow(RangeError);
  });

  it.each([0, 1.5, -3])("refuses maxSize %s", (maxSize) => {
    expect(() => new PriorityQueue({ clock: new FakeClock(), maxSize })).toThrow(RangeError);
  });

  it("defaults to a five-minute aging step and 1000 items", () => {
    const queue = new PriorityQueue({ clock: new FakeClock() });
    expect(DEFAULT_AGING_STEP_MS).toBe(300_000);
    expect(queue.agingStepMs).toBe(DEFAULT_AGING_STEP_MS);
    expect(queue.maxSize).toBe(1000);
  });

  it("refuses an unknown priority", () => {
    const { queue } = setup();
    expect(() => queue.enqueue(ref("A1"), 7 as AssetPriority)).toThrow(RangeError);
    expect(queue.size).toBe(0);
  });
});

describe("PriorityQueue ordering", () => {
  it("serves tiers in priority order and each tier first-in first-out", async () => {
    const order: Arrival[] = [
      ["LOW1", LOW, 0],
      ["MED1", MEDIUM, 0],
      ["HIGH1", HIGH, 0],
      ["MED2", MEDIUM, 1000],
      ["CRIT1", CRITICAL, 1000],
      ["HIGH2", HIGH, 2000],
      ["LOW2", LOW, 2000],
      ["CRIT2", CRITICAL, 3000],
    ];
    expect(await serve(order)).toEqual(["CRIT1", "CRIT2", "HIGH1", "HIGH2", "MED1", "MED2", "LOW1", "LOW2"]);
  });

  it.each<[string, Arrival[], string[]]>([
    [
      "a CRITICAL enqueued before a LOW goes first",
      [
        ["L", LOW, 1000],
        ["C", CRITICAL, 0],
      ],
      ["C", "L"],
    ],
    [
      "a CRITICAL enqueued with a LOW goes first",
      [
        ["L", LOW, 0],
        ["C", CRITICAL, 0],
      ],
      ["C", "L"],
    ],
    [
      "a CRITICAL enqueued 3 steps - 1 ms after a LOW goes first",
      [
        ["L", LOW, 0],
        ["C", CRITICAL, 3 * STEP - 1],
      ],
      ["C", "L"],
    ],
    [
      "a CRITICAL enqueued 3 steps after a LOW ties and goes second",
      [
        ["L", LOW, 0],
        ["C", CRITICAL, 3 * STEP],
      ],
      ["L", "C"],
    ],
    [
      "a CRITICAL enqueued 3 steps + 1 ms after a LOW goes second",
      [
        ["L", LOW, 0],
        ["C", CRITICAL, 3 * STEP + 1],
      ],
      ["L", "C"],
    ],
    [
      "a HIGH enqueued 2 steps + 1 ms after a LOW goes second",
      [
        ["L", LOW, 0],
        ["H", HIGH, 2 * STEP + 1],
      ],
      ["L", "H"],
    ],
    [
      "a HIGH enqueued 2 steps - 1 ms after a LOW goes first",
      [
        ["L", LOW, 0],
        ["H", HIGH, 2 * STEP - 1],
      ],
      ["H", "L"],
    ],
    [
      "a CRITICAL enqueued 1 step + 1 ms after a HIGH goes second",
      [
        ["H", HIGH, 0],
        ["C", CRITICAL, STEP + 1],
      ],
      ["H", "C"],
    ],
    [
      "a MEDIUM enqueued 1 step - 1 ms after another MEDIUM still goes second",
      [
        ["M1", MEDIUM, 0],
        ["M2", MEDIUM, STEP - 1],
      ],
      ["M1", "M2"],
    ],
    [
      "a LOW goes after CRITICALs from before and up to 3 steps after it, before later ones",
      [
        ["C0", CRITICAL, 0],
        ["L", LOW, 1],
        ["C1", CRITICAL, 2 * STEP],
        ["C2", CRITICAL, 3 * STEP + 2],
        ["M", MEDIUM, STEP + 2],
      ],
      ["C0", "C1", "L", "M", "C2"],
    ],
  ])("aging: %s", async (_, arrivals, expected) => {
    expect(await serve(arrivals)).toEqual(expected);
  });

  it("ages by the default step when none is given: 15 minutes for LOW behind CRITICAL", async () => {
    const step = DEFAULT_AGING_STEP_MS;
    const options = { agingStepMs: step };
    expect(
      await serve(
        [
          ["L", LOW, 0],
          ["C", CRITICAL, 3 * step - 1],
        ],
        options,
      ),
    ).toEqual(["C", "L"]);
    expect(
      await serve(
        [
          ["L", LOW, 0],
          ["C", CRITICAL, 3 * step + 1],
        ],
        options,
      ),
    ).toEqual(["L", "C"]);
  });

  it("never starves a LOW item under an endless stream of CRITICAL arrivals", async () => {
    // Two CRITICAL arrivals per tick but one dequeue: the CRITICAL backlog grows without end.
    const tick = STEP / 10;
    const { queue, clock, start } = setup({ maxSize: 10_000 });
    queue.enqueue(ref("LOW"), LOW);
    const servedBefore: number[] = [];
    let lowServedAt: number | null = null;
    for (let n = 0; lowServedAt === null && n < 1000; n++) {
      await clock.advance(tick);
      queue.enqueue(ref(`C${n}a`), CRITICAL);
      queue.enqueue(ref(`C${n}b`), CRITICAL);
      const item = take(queue);
      if (item.symbol === "LOW") lowServedAt = clock.now();
      else servedBefore.push(item.enqueuedAt);
    }
    expect(lowServedAt).not.toBeNull();
    // Only the CRITICALs that arrived less than 3 steps after the LOW item went first: 29 ticks
    // of two. One arriving exactly 3 steps after it ties, and the LOW item was there first.
    expect(Math.max(...servedBefore) - start).toBeLessThan(3 * STEP);
    expect(servedBefore.length).toBe(2 * 29);
  });

  it("defaults to MEDIUM and records the enqueue time", () => {
    const { clock, queue } = setup();
    expect(queue.enqueue(ref("GBPUSD"))).toBe("enqueued");
    expect(queue.peek()).toEqual({
      symbol: "GBPUSD",
      polygonTicker: "C:GBPUSD",
      assetType: "forex",
      priority: MEDIUM,
      enqueuedAt: clock.now(),
      retryCount: 0,
      lastError: null,
    });
    expect(queue.size).toBe(1);
  });

  it("peek does not remove; dequeue on an empty queue returns null", () => {
    const { queue } = setup();
    expect(queue.peek()).toBeNull();
    expect(queue.dequeue()).toBeNull();
    expect(queue.isEmpty).toBe(true);
    queue.enqueue(ref("A1"), HIGH);
    expect(queue.peek()?.symbol).toBe("A1");
    expect(queue.size).toBe(1);
    expect(queue.isEmpty).toBe(false);
  });
});

describe("PriorityQueue dedup and promotion", () => {
  it.each<[string, AssetPriority, AssetPriority, "promoted" | "duplicate", AssetPriority]>([
    ["LOW again at CRITICAL", LOW, CRITICAL, "promoted", CRITICAL],
    ["LOW again at HIGH", LOW, HIGH, "promoted", HIGH],
    ["MEDIUM again at HIGH", MEDIUM, HIGH, "promoted", HIGH],
    ["MEDIUM again at MEDIUM", MEDIUM, MEDIUM, "duplicate", MEDIUM],
    ["HIGH again at LOW", HIGH, LOW, "duplicate", HIGH],
    ["CRITICAL again at CRITICAL", CRITICAL, CRITICAL, "duplicate", CRITICAL],
  ])("%s", async (_, first, again, result, final) => {
    const { queue, clock } = setup();
    queue.enqueue(ref("EURUSD"), first);
    const enqueuedAt = clock.now();
    await clock.advance(5000);
    expect(queue.enqueue(ref("EURUSD"), again)).toBe(result);
    expect(queue.size).toBe(1);
    expect(queue.peek()).toMatchObject({ symbol: "EURUSD", priority: final, enqueuedAt });
    expect(queue.stats().totalEnqueued).toBe(1);
  });

  it("a promoted item keeps its age: it goes before items of its new tier enqueued after it", async () => {
    const { queue, at } = setup();
    queue.enqueue(ref("OLD"), LOW);
    await at(10_000);
    queue.enqueue(ref("NEW_HIGH"), HIGH);
    queue.enqueue(ref("NEW_CRIT"), CRITICAL);
    expect(queue.enqueue(ref("OLD"), HIGH)).toBe("promoted");
    expect(drain(queue)).toEqual(["NEW_CRIT", "OLD", "NEW_HIGH"]);
  });

  it("a promoted item keeps its place among equal keys", () => {
    const { queue } = setup();
    queue.enqueue(ref("P"), LOW);
    queue.enqueue(ref("R"), MEDIUM);
    queue.enqueue(ref("S"), MEDIUM);
    expect(queue.enqueue(ref("P"), MEDIUM)).toBe("promoted");
    // Same enqueue time and tier as R and S, but queued before them.
    expect(drain(queue)).toEqual(["P", "R", "S"]);
  });

  it("a promotion keeps retries and the last error, and may be promoted again", async () => {
    const { queue, clock } = setup();
    queue.enqueue(ref("X"), HIGH);
    expect(queue.requeue(take(queue), "timeout")).toBe("requeued");
    const requeuedAt = clock.now();
    await clock.advance(1000);
    expect(queue.enqueue(ref("X"), HIGH)).toBe("promoted");
    expect(queue.enqueue(ref("X"), CRITICAL)).toBe("promoted");
    expect(queue.dequeue()).toEqual({
      symbol: "X",
      polygonTicker: "C:X",
      assetType: "forex",
      priority: CRITICAL,
      enqueuedAt: requeuedAt,
      retryCount: 1,
      lastError: "timeout",
    });
  });

  it("does not change an item handed out by peek before the promotion", () => {
    const { queue } = setup();
    queue.enqueue(ref("X"), LOW);
    const seen = queue.peek();
    queue.enqueue(ref("X"), CRITICAL);
    expect(seen?.priority).toBe(LOW);
    expect(queue.peek()?.priority).toBe(CRITICAL);
  });

  it("does not promote when asked not to (a periodic refill keeps demotions)", async () => {
    const { queue, clock } = setup();
    queue.enqueue(ref("X"), HIGH);
    await clock.advance(1000);
    expect(queue.requeue(take(queue), "timeout")).toBe("requeued");
    expect(queue.enqueue(ref("X"), HIGH, { promote: false })).toBe("duplicate");
    expect(queue.peek()).toMatchObject({ priority: MEDIUM, retryCount: 1 });
    expect(queue.enqueue(ref("X"), HIGH, { promote: true })).toBe("promoted");
    expect(queue.peek()).toMatchObject({ priority: HIGH, retryCount: 1 });
  });

  it("forgets a symbol once it is dequeued", () => {
    const { queue } = setup();
    queue.enqueue(ref("EURUSD"), LOW);
    expect(queue.has("EURUSD")).toBe(true);
    queue.dequeue();
    expect(queue.has("EURUSD")).toBe(false);
    expect(queue.enqueue(ref("EURUSD"), LOW)).toBe("enqueued");
  });
});

describe("PriorityQueue capacity", () => {
  it("throws QueueFullError for a new symbol at max size, still promotes, and accepts after a dequeue", () => {
    const { queue } = setup({ maxSize: 2 });
    queue.enqueue(ref("A1"), LOW);
    queue.enqueue(ref("A2"), MEDIUM);
    expect(() => queue.enqueue(ref("A3"))).toThrow(QueueFullError);
    try {
      queue.enqueue(ref("A3"));
    } catch (error) {
      expect(error).toMatchObject({ symbol: "A3", maxSize: 2 });
    }
    expect(queue.enqueue(ref("A2"), MEDIUM)).toBe("duplicate");
    expect(queue.enqueue(ref("A1"), CRITICAL)).toBe("promoted");
    expect(queue.size).toBe(2);
    expect(take(queue).symbol).toBe("A1");
    expect(queue.enqueue(ref("A3"))).toBe("enqueued");
    expect(drain(queue)).toEqual(["A2", "A3"]);
  });

  it("clear empties the queue and forgets the symbols", () => {
    const { queue } = setup();
    queue.enqueue(ref("A1"));
    queue.enqueue(ref("A2"));
    expect(queue.clear()).toBe(2);
    expect(queue.isEmpty).toBe(true);
    expect(queue.stats().byPriority).toEqual({ CRITICAL: 0, HIGH: 0, MEDIUM: 0, LOW: 0 });
    expect(queue.enqueue(ref("A1"))).toBe("enqueued");
  });
});

describe("PriorityQueue requeue", () => {
  it("demotes one tier per retry down to LOW, keeping the error and a fresh enqueue time", async () => {
    const { clock, queue } = setup();
    queue.enqueue(ref("XAGUSD"), HIGH);
    let item = take(queue);
    const priorities: number[] = [];
    for (let retry = 1; retry <= MAX_RETRIES; retry++) {
      await clock.advance(1000);
      expect(queue.requeue(item, `timeout ${retry}`)).toBe("requeued");
      item = take(queue);
      expect(item).toMatchObject({
        retryCount: retry,
        lastError: `timeout ${retry}`,
        enqueuedAt: clock.now(),
      });
      priorities.push(item.priority);
    }
    expect(priorities).toEqual([MEDIUM, LOW, LOW]);
    expect(queue.requeue(item, "again")).toBe("max_retries");
    expect(queue.isEmpty).toBe(true);
  });

  it("puts a requeued item behind the items already in its new tier", () => {
    const { queue } = setup();
    queue.enqueue(ref("FIRST"), HIGH);
    queue.enqueue(ref("MED1"), MEDIUM);
    queue.requeue(take(queue), "boom");
    queue.enqueue(ref("MED2"), MEDIUM);
    expect(drain(queue)).toEqual(["MED1", "FIRST", "MED2"]);
  });

  it.each<[string, number, string[]]>([
    ["just before a step", STEP - 1, ["H", "L"]],
    ["just after a step", STEP + 1, ["L", "H"]],
  ])("re-keys a requeued item by its new time and tier: requeued %s", async (_, requeueAt, expected) => {
    // L (LOW at 0) has key 3 steps; H requeued as MEDIUM at t has key t + 2 steps.
    const { queue, at } = setup();
    queue.enqueue(ref("L"), LOW);
    queue.enqueue(ref("H"), HIGH);
    const h = take(queue);
    await at(requeueAt);
    expect(queue.requeue(h, "x")).toBe("requeued");
    expect(drain(queue)).toEqual(expected);
  });

  it("does not requeue a symbol that was queued again meanwhile, nor beyond max size", () => {
    const { queue } = setup({ maxSize: 1 });
    queue.enqueue(ref("A1"));
    const item = take(queue);
    queue.enqueue(ref("A1"));
    expect(queue.requeue(item, "x")).toBe("duplicate");
    queue.clear();
    queue.enqueue(ref("B1"));
    expect(queue.requeue(item, "x")).toBe("full");
  });

  it("putBack returns an item unchanged to its old place in line", async () => {
    const { clock, queue } = setup();
    for (const symbol of ["H1", "H2", "H3"]) queue.enqueue(ref(symbol), HIGH);
    const h1 = take(queue);
    await clock.advance(5000);
    queue.enqueue(ref("H4"), HIGH);
    expect(queue.putBack(h1)).toBe("requeued");
    expect(queue.peek()).toEqual(h1);
    expect(drain(queue)).toEqual(["H1", "H2", "H3", "H4"]);
  });

  it("putBack keeps an aged item's key: it still goes before later CRITICAL arrivals", async () => {
    const { queue, at } = setup();
    queue.enqueue(ref("L"), LOW);
    await at(3 * STEP + 1);
    const low = take(queue);
    queue.enqueue(ref("C"), CRITICAL);
    expect(queue.putBack(low)).toBe("requeued");
    expect(queue.peek()).toEqual(low);
    expect(queue.stats()).toMatchObject({ totalEnqueued: 2, byPriority: { LOW: 1, CRITICAL: 1 } });
  });

  it("putBack refuses a symbol queued again meanwhile, and a full queue", () => {
    const { queue } = setup({ maxSize: 1 });
    queue.enqueue(ref("A1"));
    const a1 = take(queue);
    queue.enqueue(ref("A1"), LOW);
    expect(queue.putBack(a1)).toBe("duplicate");
    queue.clear();
    queue.enqueue(ref("B1"));
    expect(queue.putBack(a1)).toBe("full");
  });
});

describe("PriorityQueue dequeueMatching", () => {
  it("takes what it is told in queue order; skipped items keep their place", async () => {
    const { clock, queue } = setup();
    for (const [symbol, priority] of [
      ["A1", HIGH],
      ["B1", HIGH],
      ["A2", MEDIUM],
      ["B2", LOW],
      ["A3", LOW],
    ] as const) {
      queue.enqueue(ref(symbol), priority);
      await clock.advance(1000);
    }
    const shown: string[][] = [];
    const taken = queue.dequeueMatching((item, sofar) => {
      shown.push([item.symbol, ...sofar.map((t) => t.symbol)]);
      return item.symbol.startsWith("A") ? "take" : "skip";
    });

    expect(taken.map((item) => item.symbol)).toEqual(["A1", "A2", "A3"]);
    expect(shown).toEqual([["A1"], ["B1", "A1"], ["A2", "A1"], ["B2", "A1", "A2"], ["A3", "A1", "A2"]]);
    expect(queue.stats()).toMatchObject({ size: 2, byPriority: { HIGH: 1, LOW: 1 }, totalProcessed: 3 });
    expect(drain(queue)).toEqual(["B1", "B2"]);
  });

  it("stops where told, leaving the rest untouched", () => {
    const { queue } = setup();
    for (const symbol of ["A1", "A2", "A3", "A4"]) queue.enqueue(ref(symbol), MEDIUM);
    const taken = queue.dequeueMatching((_item, sofar) => (sofar.length < 2 ? "take" : "stop"));
    expect(taken.map((item) => item.symbol)).toEqual(["A1", "A2"]);
    expect(drain(queue)).toEqual(["A3", "A4"]);
  });

  it("a skipped item keeps its place among equal keys, and a taken one can be put back", () => {
    const { queue } = setup();
    for (const symbol of ["A1", "A2", "A3"]) queue.enqueue(ref(symbol), HIGH);
    const [a2] = queue.dequeueMatching((item) => (item.symbol === "A2" ? "take" : "skip"));
    if (a2 === undefined) throw new Error("A2 not taken");
    queue.enqueue(ref("A4"), HIGH);
    expect(queue.putBack(a2)).toBe("requeued");
    expect(drain(queue)).toEqual(["A1", "A2", "A3", "A4"]);
  });

  it("restores the skipped items when the chooser throws", () => {
    const { queue } = setup();
    for (const symbol of ["A1", "A2", "A3"]) queue.enqueue(ref(symbol), HIGH);
    expect(() =>
      queue.dequeueMatching((item) => {
        if (item.symbol === "A3") throw new Error("boom");
        return "skip";
      }),
    ).toThrow("boom");
    expect(queue.size).toBe(3);
    expect(drain(queue)).toEqual(["A1", "A2", "A3"]);
  });

  it("returns nothing on an empty queue", () => {
    const { queue } = setup();
    expect(queue.dequeueMatching(() => "take")).toEqual([]);
  });
});

describe("PriorityQueue stats", () => {
  it("counts by tier, measures the oldest item's age and keeps totals", async () => {
    const { clock, queue } = setup({ maxSize: 10 });
    queue.enqueue(ref("A1"), HIGH);
    await clock.advance(30_000);
    queue.enqueue(ref("A2"), HIGH);
    queue.enqueue(ref("A3"), LOW);
    queue.enqueue(ref("A1"), LOW);
    await clock.advance(12_500);
    queue.requeue(take(queue), "x");

    expect(queue.stats()).toEqual({
      size: 3,
      maxSize: 10,
      byPriority: { CRITICAL: 0, HIGH: 1, MEDIUM: 1, LOW: 1 },
      oldestAgeSeconds: 12.5,
      totalEnqueued: 3,
      totalProcessed: 1,
    });
  });

  it("moves promoted items between tiers and keeps their age", async () => {
    const { clock, queue } = setup({ maxSize: 10 });
    queue.enqueue(ref("A1"), LOW);
    queue.enqueue(ref("A2"), LOW);
    await clock.advance(20_000);
    queue.enqueue(ref("A3"), MEDIUM);
    queue.enqueue(ref("A1"), CRITICAL);
    queue.enqueue(ref("A2"), HIGH);
    queue.enqueue(ref("A3"), HIGH);
    queue.enqueue(ref("A3"), MEDIUM);

    expect(queue.stats()).toEqual({
      size: 3,
      maxSize: 10,
      byPriority: { CRITICAL: 1, HIGH: 2, MEDIUM: 0, LOW: 0 },
      oldestAgeSeconds: 20,
      totalEnqueued: 3,
      totalProcessed: 0,
    });
    expect(drain(queue)).toEqual(["A1", "A2", "A3"]);
    expect(queue.stats()).toMatchObject({
      size: 0,
      byPriority: { CRITICAL: 0, HIGH: 0, MEDIUM: 0, LOW: 0 },
      oldestAgeSeconds: 0,
      totalProcessed: 3,
    });
  });

  it("reports zero age when empty", () => {
    const { queue } = setup();
    expect(queue.stats()).toMatchObject({ size: 0, oldestAgeSeconds: 0 });
  });
});

/**
 * The reference model: a plain list sorted by (enqueuedAt + (priority − 1) × step, arrival), with
 * the rules written out again independently of the heap.
 */
interface ModelEntry {
  item: QueuedAsset;
  seq: number;
}

class ReferenceQueue {
  readonly queued = new Map<string, ModelEntry>();
  private nextSeq = 0;

  constructor(
    private readonly step: number,
    private readonly maxSize: number,
  ) {}

  sorted(): ModelEntry[] {
    const key = (e: ModelEntry) => e.item.enqueuedAt + (e.item.priority - 1) * this.step;
    return [...this.queued.values()].sort((a, b) => key(a) - key(b) || a.seq - b.seq);
  }

  enqueue(symbol: string, priority: AssetPriority, now: number): string {
    const queued = this.queued.get(symbol);
    if (queued !== undefined) {
      if (priority >= queued.item.priority) return "duplicate";
      queued.item = { ...queued.item, priority };
      return "promoted";
    }
    if (this.queued.size >= this.maxSize) return "full";
    const item = { ...ref(symbol), priority, enqueuedAt: now, retryCount: 0, lastError: null };
    this.queued.set(symbol, { item, seq: this.nextSeq++ });
    return "enqueued";
  }

  dequeue(): ModelEntry | null {
    const first = this.sorted()[0];
    if (first === undefined) return null;
    this.queued.delete(first.item.symbol);
    return first;
  }

  requeue(taken: ModelEntry, error: string, now: number): string {
    if (taken.item.retryCount >= MAX_RETRIES) return "max_retries";
    if (this.queued.has(taken.item.symbol)) return "duplicate";
    if (this.queued.size >= this.maxSize) return "full";
    const item = {
      ...taken.item,
      priority: Math.min(taken.item.priority + 1, LOW) as AssetPriority,
      retryCount: taken.item.retryCount + 1,
      lastError: error,
      enqueuedAt: now,
    };
    this.queued.set(item.symbol, { item, seq: this.nextSeq++ });
    return "requeued";
  }

  putBack(taken: ModelEntry): string {
    if (this.queued.has(taken.item.symbol)) return "duplicate";
    if (this.queued.size >= this.maxSize) return "full";
    this.queued.set(taken.item.symbol, taken);
    return "requeued";
  }

  byPriority(): Record<string, number> {
    const items = [...this.queued.values()].map((e) => e.item);
    const tier = (priority: AssetPriority) => items.filter((item) => item.priority === priority).length;
    return { CRITICAL: tier(CRITICAL), HIGH: tier(HIGH), MEDIUM: tier(MEDIUM), LOW: tier(LOW) };
  }
}

describe("PriorityQueue against a reference model", () => {
  it.each([1, 2, 3, 42])(
    "agrees over thousands of random enqueues, promotions, dequeues, requeues and putBacks (seed %i)",
    async (seed) => {
      const maxSize = 60;
      const { queue, clock, start } = setup({ maxSize });
      const model = new ReferenceQueue(STEP, maxSize);
      const random = seededRandom(seed);
      const pick = <T>(list: readonly T[]): T => list[Math.floor(random() * list.length)] as T;
      /** Dequeued items, as handed out by the queue and as the model has them. */
      const held: Array<{ item: QueuedAsset; model: ModelEntry }> = [];
      const tally: Record<string, number> = {};
      const count = (outcome: string) => {
        tally[outcome] = (tally[outcome] ?? 0) + 1;
      };

      for (let op = 0; op < 4000; op++) {
        const roll = random();
        if (roll < 0.08) {
          await clock.advance(Math.floor(random() * STEP));
        } else if (roll < 0.5) {
          const symbol = `S${Math.floor(random() * 100)}`;
          const priority = pick([CRITICAL, HIGH, MEDIUM, LOW]);
          const expected = model.enqueue(symbol, priority, clock.now());
          if (expected === "full") {
            expect(() => queue.enqueue(ref(symbol), priority)).toThrow(QueueFullError);
          } else {
            expect(queue.enqueue(ref(symbol), priority)).toBe(expected);
          }
          count(`enqueue:${expected}`);
        } else if (roll < 0.75) {
          const expected = model.dequeue();
          const item = queue.dequeue();
          expect(item).toEqual(expected?.item ?? null);
          if (item !== null && expected !== null) held.push({ item, model: expected });
          count("dequeue");
        } else if (held.length > 0) {
          const index = Math.floor(random() * held.length);
          const { item, model: taken } = held[index] as (typeof held)[number];
          held.splice(index, 1);
          if (roll < 0.9) {
            const expected = model.requeue(taken, `e${op}`, clock.now());
            expect(queue.requeue(item, `e${op}`)).toBe(expected);
            count(`requeue:${expected}`);
          } else {
            const expected = model.putBack(taken);
            expect(queue.putBack(item)).toBe(expected);
            count(`putBack:${expected}`);
          }
        }
        expect(queue.size).toBe(model.queued.size);
        expect(queue.peek()).toEqual(model.sorted()[0]?.item ?? null);
        if (op % 25 === 0) {
          const oldest = Math.min(...[...model.queued.values()].map((e) => e.item.enqueuedAt));
          expect(queue.stats()).toMatchObject({
            size: model.queued.size,
            byPriority: model.byPriority(),
            oldestAgeSeconds: model.queued.size > 0 ? (clock.now() - oldest) / 1000 : 0,
          });
        }
      }
      expect(drain(queue)).toEqual(model.sorted().map((e) => e.item.symbol));
      // The mix really exercised every path.
      for (const outcome of [
        "enqueue:enqueued",
        "enqueue:promoted",
        "enqueue:duplicate",
        "enqueue:full",
        "requeue:requeued",
        "requeue:duplicate",
        "putBack:requeued",
        "putBack:duplicate",
      ]) {
        expect(tally[outcome] ?? 0, outcome).toBeGreaterThan(0);
      }
      expect(clock.now() - start).toBeGreaterThan(3 * STEP);
    },
  );
});
