/**
 * The benchmark's baseline: the queue's rules (aging key, ties by arrival, promotion that keeps
 * the arrival) kept the naive way, in an array sorted by (key, arrival).
 *
 * Enqueue finds its place by binary search, then inserts with `splice`, which shifts every later
 * entry (O(n)); dequeue reads the entry at a head index (O(1); the consumed prefix is spliced off
 * once it is half the array, O(1) amortized); promotion is a splice out and a splice in (O(n)).
 */
import type { AssetPriority, AssetRef } from "../../src/models/batch.js";

interface Entry {
  symbol: string;
  priority: AssetPriority;
  enqueuedAt: number;
  key: number;
  seq: number;
}

export class SortedArrayQueue {
  /** Entries in service order from `head` on; the ones before `head` were dequeued. */
  private readonly entries: Entry[] = [];
  private head = 0;
  private readonly bySymbol = new Map<string, Entry>();
  private nextSeq = 0;

  constructor(
    private readonly now: () => number,
    private readonly agingStepMs: number,
  ) {}

  get size(): number {
    return this.entries.length - this.head;
  }

  enqueue(ref: AssetRef, priority: AssetPriority): "enqueued" | "promoted" | "duplicate" {
    const queued = this.bySymbol.get(ref.symbol);
    if (queued !== undefined) {
      if (priority >= queued.priority) return "duplicate";
      this.entries.splice(this.indexOf(queued), 1);
      queued.priority = priority;
      queued.key = queued.enqueuedAt + (priority - 1) * this.agingStepMs;
      this.entries.splice(this.firstAfter(queued), 0, queued);
      return "promoted";
    }
    const enqueuedAt = this.now();
    const key = enqueuedAt + (priority - 1) * this.agingStepMs;
    const entry: Entry = { symbol: ref.symbol, priority, enqueuedAt, key, seq: this.nextSeq++ };
    this.entries.splice(this.firstAfter(entry), 0, entry);
    this.bySymbol.set(ref.symbol, entry);
    return "enqueued";
  }

  dequeue(): Entry | null {
    const entry = this.entries[this.head];
    if (entry === undefined) return null;
    this.head += 1;
    if (this.head >= 1024 && 2 * this.head >= this.entries.length) {
      this.entries.splice(0, this.head);
      this.head = 0;
    }
    this.bySymbol.delete(entry.symbol);
    return entry;
  }

  /** The position of a queued entry. */
  private indexOf(entry: Entry): number {
    const index = this.firstAfter(entry) - 1;
    if (this.entries[index] !== entry) throw new Error(`sorted array lost ${entry.symbol}`);
    return index;
  }

  /** The first position, from `head` on, whose entry goes after `entry` (binary search). */
  private firstAfter(entry: Entry): number {
    let low = this.head;
    let high = this.entries.length;
    while (low < high) {
      const middle = (low + high) >> 1;
      const other = this.entries[middle] as Entry;
      if (other.key < entry.key || (other.key === entry.key && other.seq <= entry.seq)) low = middle + 1;
      else high = middle;
    }
    return low;
  }
}
