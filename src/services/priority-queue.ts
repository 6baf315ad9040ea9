/**
 * The secondary-asset queue (ET-DATA-001 §3.4): one entry per symbol, bounded by `maxSize`,
 * CRITICAL first, with requeue and demotion as the spec. Beyond the spec:
 *
 * - **FIFO within a tier**: ties go to the item queued first.
 * - **Promotion**: enqueueing a queued symbol at a higher priority raises the queued item's
 *   priority and keeps its age (enqueue time and place among equal keys).
 * - **Aging**, so a LOW item never waits forever: items are served by the static key
 *   `enqueuedAt + (priority − 1) × agingStepMs`, ties by arrival order. This is the same order as
 *   an effective priority `priority − waited / agingStepMs` compared at any instant (all items age
 *   at the same rate), so it never has to be recomputed. An item of tier p goes before any item of
 *   a better tier b enqueued (p − b) × agingStepMs or more after it: once a LOW item has waited
 *   3 × agingStepMs, nothing enqueued later overtakes it, however many CRITICAL items arrive.
 *
 * Storage: items sit in slots of an array; an indexed binary heap (src/services/indexed-heap.ts)
 * orders the slots and knows where each one is, and a map gives each symbol's slot. Enqueue,
 * dequeue, promotion, requeue and putBack are O(log n); peek, has and size are O(1); stats are
 * O(1) but for the oldest age, a scan of the queue (O(n), n ≤ maxSize).
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
import { IndexedHeap } from "./indexed-heap.js";
import type { Clock } from "./ports.js";

/** Retries allowed per item (the spec's `retry_count >= 3` cut-off). */
export const MAX_RETRIES = 3;
export const DEFAULT_QUEUE_MAX_SIZE = 1000;
/** Default aging step: a LOW item is overtaken by no later arrival once it has waited 15 min. */
export const DEFAULT_AGING_STEP_MS = 5 * 60_000;

export interface PriorityQueueOptions {
  clock: Clock;
  /** Capacity; enqueue throws QueueFullError beyond it. Default 1000. */
  maxSize?: number;
  /**
   * Aging: the wait worth one tier, in milliseconds (positive, finite). An item of tier p is
   * overtaken by no item enqueued (p − 1) × agingStepMs or more after it. Default 5 min.
   */
  agingStepMs?: number;
}

/**
 * "promoted": the symbol was already queued at a lower priority; the queued item now has the
 * higher one and keeps its age. "duplicate": already queued at the same or a higher priority (or
 * promotion was not asked for).
 */
export type EnqueueResult = "enqueued" | "promoted" | "duplicate";

export interface EnqueueOptions {
  /**
   * Raise an already queued item to a higher `priority` (default true). A periodic refill may pass
   * false so it does not undo the demotion of items that failed.
   */
  promote?: boolean;
}
/** What PriorityQueue.dequeueMatching does with the item shown, and whether to go on. */
export type MatchAnswer = "take" | "skip" | "stop";
/** "duplicate": the symbol was queued again meanwhile, so that entry stands for it. */
export type RequeueResult = "requeued" | "max_retries" | "duplicate" | "full";

export class PriorityQueue {
  readonly maxSize: number;
  readonly agingStepMs: number;
  private readonly clock: Clock;
  /** Orders the slots of `items` by (key, arrival). */
  private readonly heap = new IndexedHeap();
  /** Queued items by slot; a free slot holds undefined and is listed in `freeSlots`. */
  private readonly items: Array<QueuedAsset | undefined> = [];
  private readonly freeSlots: number[] = [];
  private readonly slots = new Map<string, number>();
  /** Items per tier, indexed by priority value (index 0 unused). */
  private readonly counts: [number, number, number, number, number] = [0, 0, 0, 0, 0];
  /** Place in line of dequeued items, so putBack can return them to where they were. */
  private readonly dequeuedSeq = new WeakMap<QueuedAsset, number>();
  private nextSeq = 0;
  private totalEnqueued = 0;
  private totalProcessed = 0;

  constructor(options: PriorityQueueOptions) {
    this.clock = options.clock;
    this.maxSize = options.maxSize ?? DEFAULT_QUEUE_MAX_SIZE;
    this.agingStepMs = options.agingStepMs ?? DEFAULT_AGING_STEP_MS;
    if (!Number.isInteger(this.maxSize) || this.maxSize < 1) {
      throw new RangeError(`queue max size must be a positive integer, got ${this.maxSize}`);
    }
    if (!Number.isFinite(this.agingStepMs) || this.agingStepMs <= 0) {
      throw new RangeError(`queue aging step must be a positive number of ms, got ${this.agingStepMs}`);
    }
  }

  get size(): number {
    return this.heap.size;
  }

  get isEmpty(): boolean {
    return this.heap.size === 0;
  }

  has(symbol: string): boolean {
    return this.slots.has(symbol);
  }

  /**
   * Adds the asset, or promotes it if it is already queued at a lower priority. Throws
   * QueueFullError when a new item does not fit (a promotion always does).
   */
  enqueue(
    ref: AssetRef,
    priority: AssetPriority = AssetPriority.MEDIUM,
    options: EnqueueOptions = {},
  ): EnqueueResult {
    if (PRIORITY_NAMES[priority] === undefined) throw new RangeError(`unknown priority ${priority}`);
    const queued = this.slots.get(ref.symbol);
    if (queued !== undefined) {
      return options.promote !== false && this.promote(queued, priority) ? "promoted" : "duplicate";
    }
    if (this.heap.size >= this.maxSize) throw new QueueFullError(ref.symbol, this.maxSize);
    const { symbol, polygonTicker, assetType } = ref;
    const item: QueuedAsset = {
      symbol,
      polygonTicker,
      assetType,
      priority,
      enqueuedAt: this.clock.now(),
      retryCount: 0,
      lastError: null,
    };
    this.insert(item, this.nextSeq++);
    this.totalEnqueued += 1;
    return "enqueued";
  }

  /** Removes and returns the most urgent item, or null when empty. */
  dequeue(): QueuedAsset | null {
    const slot = this.heap.peek();
    const item = this.items[slot];
    if (item === undefined) return null;
    this.dequeuedSeq.set(item, this.heap.seqOf(slot));
    this.heap.pop();
    this.release(slot, item);
    this.totalProcessed += 1;
    return item;
  }

  /**
   * Removes and returns, most urgent first, the items `choose` takes. It is shown each queued item
   * in queue order, with the items taken so far, until it answers "stop" or every item was shown;
   * items it skips keep their place. Counts as one dequeue per item taken. O(k log n) for the k
   * items shown.
   */
  dequeueMatching(choose: (item: QueuedAsset, taken: readonly QueuedAsset[]) => MatchAnswer): QueuedAsset[] {
    const taken: QueuedAsset[] = [];
    /** Slots shown but skipped: out of the heap meanwhile, still in `items` and `slots`. */
    const skipped: Array<{ slot: number; key: number; seq: number }> = [];
    try {
      while (this.heap.size > 0) {
        const slot = this.heap.peek();
        const item = this.items[slot] as QueuedAsset;
        const answer = choose(item, taken);
        if (answer === "stop") break;
        const seq = this.heap.seqOf(slot);
        if (answer === "skip") {
          skipped.push({ slot, key: this.heap.keyOf(slot), seq });
          this.heap.pop();
          continue;
        }
        this.dequeuedSeq.set(item, seq);
        this.heap.pop();
        this.release(slot, item);
        this.totalProcessed += 1;
        taken.push(item);
      }
    } finally {
      for (const { slot, key, seq } of skipped) this.heap.push(slot, key, seq);
    }
    return taken;
  }

  /**
   * Puts a failed item back one tier lower (down to LOW) with a fresh enqueue time, so behind the
   * items already in its new tier, counting a retry; after MAX_RETRIES retries the item is
   * dropped ("max_retries").
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
    this.insert(retried, this.nextSeq++);
    return "requeued";
  }

  /**
   * Returns a dequeued item that was never attempted (e.g. the budget ran out) unchanged: same
   * priority, retries, age and place in line.
   */
  putBack(item: QueuedAsset): Exclude<RequeueResult, "max_retries"> {
    const refused = this.refusal(item.symbol);
    if (refused) return refused;
    this.insert(item, this.dequeuedSeq.get(item) ?? this.nextSeq++);
    this.dequeuedSeq.delete(item);
    return "requeued";
  }

  /** The most urgent item, left in place. */
  peek(): QueuedAsset | null {
    return this.items[this.heap.peek()] ?? null;
  }

  /** Removes every item; returns how many there were. */
  clear(): number {
    const removed = this.heap.size;
    this.heap.clear();
    this.items.length = 0;
    this.freeSlots.length = 0;
    this.slots.clear();
    this.counts.fill(0);
    return removed;
  }

  /** `totalEnqueued` counts new items (not requeues nor promotions); `totalProcessed` counts dequeues. */
  stats(): QueueStats {
    const byPriority = Object.fromEntries(
      ASSET_PRIORITY_NAMES.map((name) => [name, this.counts[AssetPriority[name]]]),
    ) as Record<AssetPriorityName, number>;
    let oldest = Number.POSITIVE_INFINITY;
    for (const item of this.items) if (item !== undefined) oldest = Math.min(oldest, item.enqueuedAt);
    const oldestAgeMs = this.heap.size > 0 ? Math.max(0, this.clock.now() - oldest) : 0;
    return {
      size: this.heap.size,
      maxSize: this.maxSize,
      byPriority,
      oldestAgeSeconds: oldestAgeMs / 1000,
      totalEnqueued: this.totalEnqueued,
      totalProcessed: this.totalProcessed,
    };
  }

  /** Raises the item in `slot` to `priority` if that is higher, keeping its age and arrival. */
  private promote(slot: number, priority: AssetPriority): boolean {
    const queued = this.items[slot] as QueuedAsset;
    if (priority >= queued.priority) return false;
    const promoted = { ...queued, priority };
    this.items[slot] = promoted;
    this.heap.update(slot, this.keyOf(promoted));
    this.counts[queued.priority] -= 1;
    this.counts[priority] += 1;
    return true;
  }

  private refusal(symbol: string): "duplicate" | "full" | null {
    if (this.slots.has(symbol)) return "duplicate";
    if (this.heap.size >= this.maxSize) return "full";
    return null;
  }

  private insert(item: QueuedAsset, seq: number): void {
    const slot = this.freeSlots.pop() ?? this.items.length;
    this.items[slot] = item;
    this.slots.set(item.symbol, slot);
    this.heap.push(slot, this.keyOf(item), seq);
    this.counts[item.priority] += 1;
  }

  /** Frees the slot of an item that left the heap. */
  private release(slot: number, item: QueuedAsset): void {
    this.items[slot] = undefined;
    this.freeSlots.push(slot);
    this.slots.delete(item.symbol);
    this.counts[item.priority] -= 1;
  }

  /** The aging order: enqueue time pushed back by the tier's handicap. */
  private keyOf(item: QueuedAsset): number {
    return item.enqueuedAt + (item.priority - 1) * this.agingStepMs;
  }
}

const PRIORITY_NAMES: Partial<Record<number, AssetPriorityName>> = Object.fromEntries(
  ASSET_PRIORITY_NAMES.map((name) => [AssetPriority[name], name]),
);

export function priorityName(priority: AssetPriority): AssetPriorityName {
  return PRIORITY_NAMES[priority] as AssetPriorityName;
}
