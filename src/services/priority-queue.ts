/**
 * The secondary-asset queue (ET-DATA-001 §3.4): a binary min-heap ordered by priority
 * (CRITICAL first), FIFO within a tier, one entry per symbol, bounded by `maxSize`.
 */
import {
  ASSET_PRIORITY_NAMES,
  AssetPriority,
  type AssetPriorityName,
  type AssetRef,
  type QueuedAsset,
  type QueueStats,
} from "../models/batch.js";
import { QueueFullError } from "../models/errors.js";
import type { Clock } from "./ports.js";

/** Retries allowed per item (the spec's `retry_count >= 3` cut-off). */
export const MAX_RETRIES = 3;
export const DEFAULT_QUEUE_MAX_SIZE = 1000;

export interface PriorityQueueOptions {
  clock: Clock;
  /** Capacity; enqueue throws QueueFullError beyond it. Default 1000. */
  maxSize?: number;
}

export type EnqueueResult = "enqueued" | "duplicate";
/** "duplicate": the symbol was queued again meanwhile, so that entry stands for it. */
export type RequeueResult = "requeued" | "max_retries" | "duplicate" | "full";

interface Entry {
  item: QueuedAsset;
  /** Insertion order: breaks ties within a tier so the tier is FIFO. */
  seq: number;
}

export class PriorityQueue {
  readonly maxSize: number;
  private readonly clock: Clock;
  private readonly heap: Entry[] = [];
  private readonly symbols = new Set<string>();
  /** Place in line of dequeued items, so putBack can return them to where they were. */
  private readonly dequeuedSeq = new WeakMap<QueuedAsset, number>();
  private nextSeq = 0;
  private totalEnqueued = 0;
  private totalProcessed = 0;

  constructor(options: PriorityQueueOptions) {
    this.clock = options.clock;
    this.maxSize = options.maxSize ?? DEFAULT_QUEUE_MAX_SIZE;
    if (!Number.isInteger(this.maxSize) || this.maxSize < 1) {
      throw new RangeError(`queue max size must be a positive integer, got ${this.maxSize}`);
    }
  }

  get size(): number {
    return this.heap.length;
  }

  get isEmpty(): boolean {
    return this.heap.length === 0;
  }

  has(symbol: string): boolean {
    return this.symbols.has(symbol);
  }

  /** Adds the asset unless its symbol is already queued. Throws QueueFullError when full. */
  enqueue(ref: AssetRef, priority: AssetPriority = AssetPriority.MEDIUM): EnqueueResult {
    if (this.symbols.has(ref.symbol)) return "duplicate";
    if (this.heap.length >= this.maxSize) throw new QueueFullError(ref.symbol, this.maxSize);
    const { symbol, polygonTicker, assetType } = ref;
    this.push(
      {
        symbol,
        polygonTicker,
        assetType,
        priority,
        enqueuedAt: this.clock.now(),
        retryCount: 0,
        lastError: null,
      },
      this.nextSeq++,
    );
    this.totalEnqueued += 1;
    return "enqueued";
  }

  /** Removes and returns the most urgent item, or null when empty. */
  dequeue(): QueuedAsset | null {
    const top = this.heap[0];
    if (top === undefined) return null;
    const last = this.heap.pop() as Entry;
    if (this.heap.length > 0) {
      this.heap[0] = last;
      this.siftDown(0);
    }
    this.symbols.delete(top.item.symbol);
    this.dequeuedSeq.set(top.item, top.seq);
    this.totalProcessed += 1;
    return top.item;
  }

  /**
   * Puts a failed item back one tier lower (down to LOW) at the back of its tier, counting a
   * retry; after MAX_RETRIES retries the item is dropped ("max_retries").
   */
  requeue(item: QueuedAsset, error: string | null): RequeueResult {
    if (item.retryCount >= MAX_RETRIES) return "max_retries";
    const refused = this.refusal(item.symbol);
    if (refused) return refused;
    const priority = Math.min(item.priority + 1, AssetPriority.LOW) as AssetPriority;
    const retried = {
      ...item,
      priority,
      retryCount: item.retryCount + 1,
      lastError: error,
      enqueuedAt: this.clock.now(),
    };
    this.push(retried, this.nextSeq++);
    return "requeued";
  }

  /**
   * Returns a dequeued item that was never attempted (e.g. the budget ran out) unchanged: same
   * priority, retries, age and place in line.
   */
  putBack(item: QueuedAsset): Exclude<RequeueResult, "max_retries"> {
    const refused = this.refusal(item.symbol);
    if (refused) return refused;
    this.push(item, this.dequeuedSeq.get(item) ?? this.nextSeq++);
    this.dequeuedSeq.delete(item);
    return "requeued";
  }

  /** The most urgent item, left in place. */
  peek(): QueuedAsset | null {
    return this.heap[0]?.item ?? null;
  }

  /** Removes every item; returns how many there were. */
  clear(): number {
    const removed = this.heap.length;
    this.heap.length = 0;
    this.symbols.clear();
    return removed;
  }

  /** `totalEnqueued` counts new items (not requeues); `totalProcessed` counts dequeues. */
  stats(): QueueStats {
    const byPriority = Object.fromEntries(ASSET_PRIORITY_NAMES.map((name) => [name, 0])) as Record<
      AssetPriorityName,
      number
    >;
    let oldest = Number.POSITIVE_INFINITY;
    for (const { item } of this.heap) {
      byPriority[priorityName(item.priority)] += 1;
      oldest = Math.min(oldest, item.enqueuedAt);
    }
    const oldestAgeMs = this.heap.length > 0 ? Math.max(0, this.clock.now() - oldest) : 0;
    return {
      size: this.heap.length,
      maxSize: this.maxSize,
      byPriority,
      oldestAgeSeconds: oldestAgeMs / 1000,
      totalEnqueued: this.totalEnqueued,
      totalProcessed: this.totalProcessed,
    };
  }

  private refusal(symbol: string): "duplicate" | "full" | null {
    if (this.symbols.has(symbol)) return "duplicate";
    if (this.heap.length >= this.maxSize) return "full";
    return null;
  }

  private push(item: QueuedAsset, seq: number): void {
    this.heap.push({ item, seq });
    this.symbols.add(item.symbol);
    this.siftUp(this.heap.length - 1);
  }

  private before(a: Entry, b: Entry): boolean {
    return a.item.priority !== b.item.priority ? a.item.priority < b.item.priority : a.seq < b.seq;
  }

  private siftUp(index: number): void {
    let child = index;
    while (child > 0) {
      const parent = (child - 1) >> 1;
      if (!this.before(this.at(child), this.at(parent))) return;
      this.swap(child, parent);
      child = parent;
    }
  }

  private siftDown(index: number): void {
    let parent = index;
    for (;;) {
      const left = 2 * parent + 1;
      const right = left + 1;
      let first = parent;
      if (left < this.heap.length && this.before(this.at(left), this.at(first))) first = left;
      if (right < this.heap.length && this.before(this.at(right), this.at(first))) first = right;
      if (first === parent) return;
      this.swap(parent, first);
      parent = first;
    }
  }

  private at(index: number): Entry {
    return this.heap[index] as Entry;
  }

  private swap(i: number, j: number): void {
    const a = this.at(i);
    this.heap[i] = this.at(j);
    this.heap[j] = a;
  }
}

const PRIORITY_NAMES = Object.fromEntries(
  ASSET_PRIORITY_NAMES.map((name) => [AssetPriority[name], name]),
) as Record<AssetPriority, AssetPriorityName>;

export function priorityName(priority: AssetPriority): AssetPriorityName {
  return PRIORITY_NAMES[priority];
}
