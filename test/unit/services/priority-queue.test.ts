import { describe, expect, it } from "vitest";
import { AssetPriority, type AssetRef } from "../../../src/models/batch.js";
import { QueueFullError } from "../../../src/models/errors.js";
import { MAX_RETRIES, PriorityQueue } from "../../../src/services/priority-queue.js";
import { FakeClock, seededRandom } from "../../support/fakes.js";

const { CRITICAL, HIGH, MEDIUM, LOW } = AssetPriority;

function ref(symbol: string): AssetRef {
  return { symbol, polygonTicker: `C:${symbol}`, assetType: "forex" };
}

function setup(maxSize?: number) {
  const clock = new FakeClock();
  const queue = new PriorityQueue({ clock, ...(maxSize === undefined ? {} : { maxSize }) });
  return { clock, queue };
}

function drain(queue: PriorityQueue): string[] {
  const symbols: string[] = [];
  for (let item = queue.dequeue(); item !== null; item = queue.dequeue()) symbols.push(item.symbol);
  return symbols;
}

describe("PriorityQueue ordering", () => {
  it("serves tiers in priority order and each tier first-in first-out", () => {
    const { queue } = setup();
    const order: Array<[string, AssetPriority]> = [
      ["LOW1", LOW],
      ["MED1", MEDIUM],
      ["HIGH1", HIGH],
      ["MED2", MEDIUM],
      ["CRIT1", CRITICAL],
      ["HIGH2", HIGH],
      ["LOW2", LOW],
      ["CRIT2", CRITICAL],
    ];
    for (const [symbol, priority] of order) queue.enqueue(ref(symbol), priority);

    expect(drain(queue)).toEqual(["CRIT1", "CRIT2", "HIGH1", "HIGH2", "MED1", "MED2", "LOW1", "LOW2"]);
  });

  it("matches a sorted reference model over a long random mix of enqueues and dequeues", () => {
    const { queue } = setup(10_000);
    const model: Array<{ symbol: string; priority: number; seq: number }> = [];
    const random = seededRandom(42);
    for (let seq = 0; seq < 3000; seq++) {
      if (random() < 0.6) {
        const priority = (1 + Math.floor(random() * 4)) as AssetPriority;
        queue.enqueue(ref(`S${seq}`), priority);
        model.push({ symbol: `S${seq}`, priority, seq });
      } else {
        model.sort((a, b) => a.priority - b.priority || a.seq - b.seq);
        expect(queue.dequeue()?.symbol ?? null).toBe(model.shift()?.symbol ?? null);
      }
    }
    model.sort((a, b) => a.priority - b.priority || a.seq - b.seq);
    expect(drain(queue)).toEqual(model.map((m) => m.symbol));
  });

  it("defaults to MEDIUM and records the enqueue time", () => {
    const { clock, queue } = setup();
    queue.enqueue(ref("GBPUSD"));
    expect(queue.peek()).toMatchObject({
      symbol: "GBPUSD",
      priority: MEDIUM,
      enqueuedAt: clock.now(),
      retryCount: 0,
    });
    expect(queue.size).toBe(1);
  });

  it("peek does not remove; dequeue on an empty queue returns null", () => {
    const { queue } = setup();
    expect(queue.peek()).toBeNull();
    expect(queue.dequeue()).toBeNull();
    queue.enqueue(ref("A1"), HIGH);
    expect(queue.peek()?.symbol).toBe("A1");
    expect(queue.size).toBe(1);
    expect(queue.isEmpty).toBe(false);
  });
});

describe("PriorityQueue dedup and capacity", () => {
  it("refuses a symbol already queued, whatever the priority", () => {
    const { queue } = setup();
    expect(queue.enqueue(ref("EURUSD"), LOW)).toBe("enqueued");
    expect(queue.enqueue(ref("EURUSD"), CRITICAL)).toBe("duplicate");
    expect(queue.size).toBe(1);
    expect(queue.has("EURUSD")).toBe(true);
    queue.dequeue();
    expect(queue.has("EURUSD")).toBe(false);
    expect(queue.enqueue(ref("EURUSD"), LOW)).toBe("enqueued");
  });

  it("throws QueueFullError at max size, and accepts again after a dequeue", () => {
    const { queue } = setup(2);
    queue.enqueue(ref("A1"));
    queue.enqueue(ref("A2"));
    expect(() => queue.enqueue(ref("A3"))).toThrow(QueueFullError);
    expect(queue.enqueue(ref("A1"))).toBe("duplicate");
    queue.dequeue();
    expect(queue.enqueue(ref("A3"))).toBe("enqueued");
  });

  it("clear empties the queue and forgets the symbols", () => {
    const { queue } = setup();
    queue.enqueue(ref("A1"));
    queue.enqueue(ref("A2"));
    expect(queue.clear()).toBe(2);
    expect(queue.isEmpty).toBe(true);
    expect(queue.enqueue(ref("A1"))).toBe("enqueued");
  });
});

describe("PriorityQueue requeue", () => {
  it("demotes one tier per retry down to LOW, keeping the error and a fresh enqueue time", async () => {
    const { clock, queue } = setup();
    queue.enqueue(ref("XAGUSD"), HIGH);
    let item = queue.dequeue();
    const priorities: number[] = [];
    for (let retry = 1; retry <= MAX_RETRIES; retry++) {
      await clock.advance(1000);
      expect(item && queue.requeue(item, `timeout ${retry}`)).toBe("requeued");
      item = queue.dequeue();
      expect(item).toMatchObject({
        retryCount: retry,
        lastError: `timeout ${retry}`,
        enqueuedAt: clock.now(),
      });
      priorities.push(item?.priority ?? 0);
    }
    expect(priorities).toEqual([MEDIUM, LOW, LOW]);
    expect(item && queue.requeue(item, "again")).toBe("max_retries");
    expect(queue.isEmpty).toBe(true);
  });

  it("puts a requeued item behind the items already in its new tier", () => {
    const { queue } = setup();
    queue.enqueue(ref("FIRST"), HIGH);
    queue.enqueue(ref("MED1"), MEDIUM);
    const first = queue.dequeue();
    if (first) queue.requeue(first, "boom");
    queue.enqueue(ref("MED2"), MEDIUM);
    expect(drain(queue)).toEqual(["MED1", "FIRST", "MED2"]);
  });

  it("does not requeue a symbol that was queued again meanwhile, nor beyond max size", () => {
    const { queue } = setup(1);
    queue.enqueue(ref("A1"));
    const item = queue.dequeue();
    queue.enqueue(ref("A1"));
    expect(item && queue.requeue(item, "x")).toBe("duplicate");
    queue.clear();
    queue.enqueue(ref("B1"));
    expect(item && queue.requeue(item, "x")).toBe("full");
  });

  it("putBack returns an item unchanged to its old place in line", async () => {
    const { clock, queue } = setup();
    for (const symbol of ["H1", "H2", "H3"]) queue.enqueue(ref(symbol), HIGH);
    const h1 = queue.dequeue();
    await clock.advance(5000);
    queue.enqueue(ref("H4"), HIGH);
    expect(h1 && queue.putBack(h1)).toBe("requeued");
    expect(queue.peek()).toEqual(h1);
    expect(drain(queue)).toEqual(["H1", "H2", "H3", "H4"]);
  });
});

describe("PriorityQueue stats", () => {
  it("counts by tier, measures the oldest item's age and keeps totals", async () => {
    const { clock, queue } = setup(10);
    queue.enqueue(ref("A1"), HIGH);
    await clock.advance(30_000);
    queue.enqueue(ref("A2"), HIGH);
    queue.enqueue(ref("A3"), LOW);
    queue.enqueue(ref("A1"), LOW);
    await clock.advance(12_500);
    const taken = queue.dequeue();
    if (taken) queue.requeue(taken, "x");

    expect(queue.stats()).toEqual({
      size: 3,
      maxSize: 10,
      byPriority: { CRITICAL: 0, HIGH: 1, MEDIUM: 1, LOW: 1 },
      oldestAgeSeconds: 12.5,
      totalEnqueued: 3,
      totalProcessed: 1,
    });
  });

  it("reports zero age when empty", () => {
    const { queue } = setup();
    expect(queue.stats()).toMatchObject({ size: 0, oldestAgeSeconds: 0 });
  });
});
