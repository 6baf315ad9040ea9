import { describe, expect, it } from "vitest";
import { IndexedHeap } from "../../../src/services/indexed-heap.js";
import { seededRandom } from "../../support/fakes.js";

interface Entry {
  handle: number;
  key: number;
  seq: number;
}

function byKeyThenSeq(a: Entry, b: Entry): number {
  return a.key - b.key || a.seq - b.seq;
}

function build(entries: readonly Entry[]): IndexedHeap {
  const heap = new IndexedHeap();
  for (const { handle, key, seq } of entries) heap.push(handle, key, seq);
  return heap;
}

function drain(heap: IndexedHeap): number[] {
  const handles: number[] = [];
  for (let top = heap.pop(); top !== -1; top = heap.pop()) handles.push(top);
  return handles;
}

/** No entry goes before its parent, and every handle's key and seq are where the heap says. */
function expectValid(heap: IndexedHeap, model: readonly Entry[]): void {
  const order = [...heap.view()];
  expect(order.length).toBe(model.length);
  expect(new Set(order)).toEqual(new Set(model.map((e) => e.handle)));
  for (const entry of model) {
    expect(heap.contains(entry.handle)).toBe(true);
    expect(heap.keyOf(entry.handle)).toBe(entry.key);
    expect(heap.seqOf(entry.handle)).toBe(entry.seq);
  }
  order.forEach((handle, i) => {
    if (i === 0) return;
    const parent = order[(i - 1) >> 1] as number;
    const parentEntry = { handle: parent, key: heap.keyOf(parent), seq: heap.seqOf(parent) };
    const entry = { handle, key: heap.keyOf(handle), seq: heap.seqOf(handle) };
    expect(byKeyThenSeq(parentEntry, entry)).toBeLessThan(0);
  });
}

describe("IndexedHeap", () => {
  it("pops by key, ties by seq, and -1 when empty", () => {
    const heap = build([
      { handle: 3, key: 2, seq: 5 },
      { handle: 1, key: 1, seq: 9 },
      { handle: 4, key: 2, seq: 7 },
      { handle: 2, key: 2, seq: 1 },
      { handle: 5, key: 3, seq: 0 },
    ]);
    expect(heap.size).toBe(5);
    expect(heap.peek()).toBe(1);
    expect(drain(heap)).toEqual([1, 2, 3, 4, 5]);
    expect(heap.pop()).toBe(-1);
    expect(heap.peek()).toBe(-1);
    expect(heap.size).toBe(0);
  });

  it("grows past its initial capacity, with sparse and large handles", () => {
    const entries = Array.from({ length: 1000 }, (_, i) => ({
      handle: i * 37,
      key: (i * 7919) % 1000,
      seq: i,
    }));
    const heap = build(entries);
    expectValid(heap, entries);
    expect(drain(heap)).toEqual([...entries].sort(byKeyThenSeq).map((e) => e.handle));
  });

  it("refuses a handle twice, a bad handle, and NaN keys", () => {
    const heap = build([{ handle: 0, key: 1, seq: 0 }]);
    expect(() => heap.push(0, 5, 1)).toThrow(/already in the heap/);
    expect(() => heap.push(-1, 5, 1)).toThrow(RangeError);
    expect(() => heap.push(1.5, 5, 1)).toThrow(RangeError);
    expect(() => heap.push(1, Number.NaN, 1)).toThrow(RangeError);
    expect(() => heap.update(0, Number.NaN)).toThrow(RangeError);
    expect(heap.size).toBe(1);
  });

  it.each([
    ["the first entry", 0],
    ["a middle entry", 4],
    ["the last entry", 9],
  ])("removes %s and keeps the rest in order", (_, removed) => {
    const entries = Array.from({ length: 10 }, (_, i) => ({ handle: i, key: (i * 7) % 10, seq: i }));
    const heap = build(entries);
    const target = [...heap.view()][removed] as number;
    expect(heap.remove(target)).toBe(true);
    expect(heap.contains(target)).toBe(false);
    expect(heap.keyOf(target)).toBeNaN();
    expect(heap.remove(target)).toBe(false);
    const rest = entries.filter((e) => e.handle !== target);
    expectValid(heap, rest);
    expect(drain(heap)).toEqual(rest.sort(byKeyThenSeq).map((e) => e.handle));
  });

  it("knows nothing of handles never pushed", () => {
    const heap = build([{ handle: 0, key: 1, seq: 0 }]);
    expect(heap.contains(1)).toBe(false);
    expect(heap.contains(10_000)).toBe(false);
    expect(heap.remove(10_000)).toBe(false);
    expect(() => heap.update(7, 1)).toThrow(/not in the heap/);
  });

  it.each([
    ["decreased to the front", 0, undefined, [9, 0, 1, 2]],
    ["decreased to the middle", 15, undefined, [0, 9, 1, 2]],
    ["increased to the back", 99, undefined, [0, 1, 2, 9]],
    ["left equal", 25, undefined, [0, 1, 9, 2]],
    ["tied with an earlier entry, keeping its seq", 20, undefined, [0, 1, 9, 2]],
    ["tied with an earlier entry, given a smaller seq", 20, -1, [0, 9, 1, 2]],
  ])("re-places an entry whose key was %s", (_, key, seq, expected) => {
    const heap = build([
      { handle: 0, key: 10, seq: 0 },
      { handle: 1, key: 20, seq: 1 },
      { handle: 2, key: 30, seq: 2 },
      { handle: 9, key: 25, seq: 3 },
    ]);
    heap.update(9, key, seq);
    expect(heap.keyOf(9)).toBe(key);
    expect(heap.seqOf(9)).toBe(seq ?? 3);
    expect(drain(heap)).toEqual(expected);
  });

  it("clear empties the heap and lets handles be pushed again", () => {
    const heap = build([
      { handle: 0, key: 1, seq: 0 },
      { handle: 1, key: 2, seq: 1 },
    ]);
    heap.clear();
    expect(heap.size).toBe(0);
    expect(heap.contains(0)).toBe(false);
    heap.push(1, 5, 2);
    expect(drain(heap)).toEqual([1]);
  });

  it.each([7, 11, 2024])(
    "matches a sorted list over random pushes, pops, removals and re-keys (seed %i)",
    (seed) => {
      const random = seededRandom(seed);
      const heap = new IndexedHeap();
      let model: Entry[] = [];
      const free: number[] = [];
      let nextHandle = 0;
      for (let step = 0; step < 4000; step++) {
        const roll = random();
        if (roll < 0.4 || model.length === 0) {
          // Reuses freed handles, as a slot allocator does.
          const entry = { handle: free.pop() ?? nextHandle++, key: Math.floor(random() * 50), seq: step };
          heap.push(entry.handle, entry.key, entry.seq);
          model.push(entry);
        } else if (roll < 0.65) {
          model.sort(byKeyThenSeq);
          const first = model.shift() as Entry;
          expect(heap.pop()).toBe(first.handle);
          free.push(first.handle);
        } else if (roll < 0.8) {
          const victim = model[Math.floor(random() * model.length)] as Entry;
          expect(heap.remove(victim.handle)).toBe(true);
          model = model.filter((e) => e !== victim);
          free.push(victim.handle);
        } else {
          const target = model[Math.floor(random() * model.length)] as Entry;
          target.key = Math.floor(random() * 50);
          heap.update(target.handle, target.key);
        }
        expect(heap.size).toBe(model.length);
        if (step % 50 === 0) expectValid(heap, model);
      }
      expectValid(heap, model);
      expect(drain(heap)).toEqual(model.sort(byKeyThenSeq).map((e) => e.handle));
    },
  );
});
