/**
 * The baseline: ET-DATA-001's literal policy, rebuilt from its Python sketches.
 *
 * - §3.3 RateLimiter: a fixed window that starts at the first call after the previous window
 *   expired, or when a waiter wakes; `acquire` holds an asyncio.Lock (FIFO) across its sleep.
 * - §3.4 PriorityQueue: heapq ordered by priority only (ties in heap order, not FIFO), dedup by
 *   symbol, requeue one tier down with retry_count ≤ 3.
 * - §3.5 update_asset: acquire, then one single-ticker snapshot request; any error (a 429
 *   included) marks the asset failed and is raised; no budget block after a 429.
 * - §3.6 jobs on APScheduler with max_instances=1 (a due run is skipped while one is running):
 *   the priority batch (the critical assets one after the other) at start and every
 *   BATCH_INTERVAL; the queue processor every QUEUE_INTERVAL (first after one interval), taking
 *   up to 2 items with no reservation for the batch and requeueing any failure; the secondary
 *   enqueue at start and every ENQUEUE_INTERVAL.
 */
import type { Settings } from "../../src/config/settings.js";
import { type AssetDefinition, AssetPriority } from "../../src/models/batch.js";
import type { Clock } from "../../src/services/ports.js";
import { makeSnapshot } from "../../test/support/fakes.js";
import { RecordingStore } from "./recording-store.js";
import type { PolicyRun, SimulationContext } from "./simulation.js";

/** §3.3, line by line (datetime.utcnow() → the virtual clock). */
export class SpecRateLimiter {
  totalCalls = 0;
  totalWaits = 0;
  private calls = 0;
  private windowStart: number;
  /** asyncio.Lock: FIFO, held across the sleep. */
  private lock: Promise<void> = Promise.resolve();

  constructor(
    readonly limit: number,
    readonly windowMs: number,
    private readonly clock: Clock,
  ) {
    this.windowStart = clock.now();
  }

  acquire(): Promise<number> {
    const turn = this.lock.then(() => this.acquireLocked());
    this.lock = turn.then(
      () => undefined,
      () => undefined,
    );
    return turn;
  }

  private async acquireLocked(): Promise<number> {
    const now = this.clock.now();
    let elapsed = now - this.windowStart;
    if (elapsed >= this.windowMs) {
      this.calls = 0;
      this.windowStart = now;
      elapsed = 0;
    }
    if (this.calls >= this.limit) {
      const wait = this.windowMs - elapsed;
      if (wait > 0) {
        this.totalWaits += 1;
        await this.clock.sleep(wait);
        this.calls = 0;
        this.windowStart = this.clock.now();
      }
    }
    this.calls += 1;
    this.totalCalls += 1;
    return 0;
  }
}

interface SpecQueuedAsset {
  /** The only compared field (`@dataclass(order=True)`, every other field `compare=False`). */
  priority: number;
  asset: AssetDefinition;
  retryCount: number;
}

/** §3.4 on a literal port of Python's heapq (heappush, heappop, _siftdown, _siftup). */
export class SpecHeapQueue {
  private readonly heap: SpecQueuedAsset[] = [];
  private readonly inQueue = new Set<string>();

  constructor(readonly maxSize = 1000) {}

  get size(): number {
    return this.heap.length;
  }

  enqueue(asset: AssetDefinition, priority: number): boolean {
    if (this.inQueue.has(asset.symbol) || this.heap.length >= this.maxSize) return false;
    this.push({ priority, asset, retryCount: 0 });
    this.inQueue.add(asset.symbol);
    return true;
  }

  dequeue(): SpecQueuedAsset | null {
    const item = this.pop();
    if (item === undefined) return null;
    this.inQueue.delete(item.asset.symbol);
    return item;
  }

  requeue(item: SpecQueuedAsset): boolean {
    if (item.retryCount >= 3) return false;
    item.retryCount += 1;
    item.priority = Math.min(item.priority + 1, AssetPriority.LOW);
    if (this.inQueue.has(item.asset.symbol)) return false;
    this.push(item);
    this.inQueue.add(item.asset.symbol);
    return true;
  }

  private push(item: SpecQueuedAsset): void {
    this.heap.push(item);
    this.siftDown(0, this.heap.length - 1);
  }

  private pop(): SpecQueuedAsset | undefined {
    const last = this.heap.pop();
    if (last === undefined || this.heap.length === 0) return last;
    const top = this.heap[0];
    this.heap[0] = last;
    this.siftUp(0);
    return top;
  }

  private siftDown(start: number, at: number): void {
    const heap = this.heap;
    const item = heap[at] as SpecQueuedAsset;
    let pos = at;
    while (pos > start) {
      const parentPos = (pos - 1) >> 1;
      const parent = heap[parentPos] as SpecQueuedAsset;
      if (item.priority < parent.priority) {
        heap[pos] = parent;
        pos = parentPos;
        continue;
      }
      break;
    }
    heap[pos] = item;
  }

  private siftUp(at: number): void {
    const heap = this.heap;
    const end = heap.length;
    const item = heap[at] as SpecQueuedAsset;
    let pos = at;
    let child = 2 * pos + 1;
    while (child < end) {
      const right = child + 1;
      if (
        right < end &&
        !((heap[child] as SpecQueuedAsset).priority < (heap[right] as SpecQueuedAsset).priority)
      ) {
        child = right;
      }
      heap[pos] = heap[child] as SpecQueuedAsset;
      pos = child;
      child = 2 * pos + 1;
    }
    heap[pos] = item;
    this.siftDown(at, pos);
  }
}

export function specPolicy(settings: Settings) {
  return ({ clock, time, key, assets }: SimulationContext): PolicyRun => {
    const limiter = new SpecRateLimiter(
      settings.polygonRateLimit,
      settings.polygonRateWindowSeconds * 1000,
      clock,
    );
    const queue = new SpecHeapQueue();
    const store = new RecordingStore(clock);
    const critical = assets.filter((a) => a.priority === AssetPriority.CRITICAL);
    const secondary = assets.filter((a) => a.priority !== AssetPriority.CRITICAL);

    /** §3.5 update_asset: raises on any failure. */
    const updateAsset = async (asset: AssetDefinition): Promise<void> => {
      await limiter.acquire();
      const answer = await key.request([asset.polygonTicker]);
      if (answer !== "ok") throw new Error("429 Too Many Requests");
      await store.saveSnapshots([makeSnapshot(asset.symbol, clock.now())]);
    };
    const runPriorityBatch = async (): Promise<void> => {
      for (const asset of critical) {
        try {
          await updateAsset(asset);
        } catch {
          // Listed as failed in the BatchResult; nothing retries it before the next batch.
        }
      }
    };
    const processQueue = async (): Promise<void> => {
      for (let i = 0; i < settings.queueItemsPerRun; i++) {
        const item = queue.dequeue();
        if (item === null) break;
        try {
          await updateAsset(item.asset);
        } catch {
          queue.requeue(item);
        }
      }
    };
    const enqueueSecondary = async (): Promise<void> => {
      for (const asset of secondary) queue.enqueue(asset, asset.priority);
    };

    const running = new Set<Promise<void>>();
    const timers: unknown[] = [];
    /** An APScheduler interval job with max_instances=1. */
    const addJob = (run: () => Promise<void>, seconds: number, atStart: boolean): void => {
      let busy = false;
      const tick = (): void => {
        if (busy) return;
        busy = true;
        const work = run().finally(() => {
          busy = false;
          running.delete(work);
        });
        running.add(work);
      };
      timers.push(time.setInterval(tick, seconds * 1000));
      if (atStart) tick();
    };

    return {
      start() {
        addJob(runPriorityBatch, settings.batchIntervalSeconds, true);
        addJob(processQueue, settings.queueIntervalSeconds, false);
        addJob(enqueueSecondary, settings.enqueueIntervalSeconds, true);
      },
      async stop() {
        for (const timer of timers) time.clear(timer);
        while (running.size > 0) await Promise.allSettled([...running]);
      },
      lastSuccessAt: store.lastSuccessAt,
      updates: store.updates,
      tokensSpent: () => limiter.totalCalls,
    };
  };
}
