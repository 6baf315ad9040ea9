/**
 * A small discrete-event driver for bench:freshness: virtual time with its own timers. While
 * installed, the global setTimeout / setInterval (and their clear functions) schedule on it, so
 * the real IntervalScheduler (toad-scheduler, which calls setInterval) runs the real jobs in
 * virtual time; `clock` is the engine's Clock on the same time. `runUntil` fires due timers in
 * time order (ties in scheduling order) and lets every promise continuation run after each one,
 * so 24 simulated hours take well under a second of real time per run. Nothing else may use real
 * timers meanwhile: the simulated engine does no I/O.
 */
import type { Clock } from "../../src/services/ports.js";

// Captured at load, before install() replaces the globals: the driver's own way to let promise
// continuations run (a macrotask runs only after the microtask queue is empty).
const realSetImmediate = globalThis.setImmediate;
const flushMicrotasks = (): Promise<void> => new Promise<void>((resolve) => realSetImmediate(resolve));

type Callback = (...args: unknown[]) => void;

/** What setTimeout / setInterval return here; shaped enough like Node's Timeout for toad-scheduler. */
class VirtualTimer {
  constructor(
    readonly id: number,
    public at: number,
    public seq: number,
    readonly intervalMs: number | null,
    readonly callback: Callback,
    readonly args: unknown[],
  ) {}
  cancelled = false;
  ref(): this {
    return this;
  }
  unref(): this {
    return this;
  }
  hasRef(): boolean {
    return true;
  }
  [Symbol.toPrimitive](): number {
    return this.id;
  }
}

/** Min-heap of timers by (at, seq). */
class TimerHeap {
  private readonly items: VirtualTimer[] = [];

  get size(): number {
    return this.items.length;
  }

  peek(): VirtualTimer | undefined {
    return this.items[0];
  }

  push(timer: VirtualTimer): void {
    const items = this.items;
    items.push(timer);
    let i = items.length - 1;
    while (i > 0) {
      const parent = (i - 1) >> 1;
      if (!before(timer, items[parent] as VirtualTimer)) break;
      items[i] = items[parent] as VirtualTimer;
      i = parent;
    }
    items[i] = timer;
  }

  pop(): VirtualTimer | undefined {
    const items = this.items;
    const top = items[0];
    const last = items.pop();
    if (top === undefined || last === undefined || items.length === 0) return top;
    let i = 0;
    for (;;) {
      const left = 2 * i + 1;
      if (left >= items.length) break;
      const right = left + 1;
      const child =
        right < items.length && before(items[right] as VirtualTimer, items[left] as VirtualTimer)
          ? right
          : left;
      if (!before(items[child] as VirtualTimer, last)) break;
      items[i] = items[child] as VirtualTimer;
      i = child;
    }
    items[i] = last;
    return top;
  }
}

function before(a: VirtualTimer, b: VirtualTimer): boolean {
  return a.at < b.at || (a.at === b.at && a.seq < b.seq);
}

const PATCHED = ["setTimeout", "setInterval", "clearTimeout", "clearInterval"] as const;

export class VirtualTime {
  private current: number;
  private readonly heap = new TimerHeap();
  private readonly live = new Map<number, VirtualTimer>();
  private nextId = 1;
  private nextSeq = 0;
  /** The engine's clock: virtual now, and sleeps on the virtual timers. */
  readonly clock: Clock;

  constructor(startMs: number) {
    this.current = startMs;
    this.clock = {
      now: () => this.current,
      sleep: (ms, signal) => this.sleep(ms, signal),
    };
  }

  now(): number {
    return this.current;
  }

  setTimeout(callback: Callback, ms = 0, ...args: unknown[]): VirtualTimer {
    return this.schedule(callback, ms, null, args);
  }

  setInterval(callback: Callback, ms = 0, ...args: unknown[]): VirtualTimer {
    return this.schedule(callback, ms, Math.max(1, ms), args);
  }

  clear(timer: unknown): void {
    const id = timer instanceof VirtualTimer ? timer.id : Number(timer);
    const found = this.live.get(id);
    if (found === undefined) return;
    found.cancelled = true;
    this.live.delete(id);
  }

  /**
   * Makes the global timer functions schedule on this virtual time until the returned function
   * restores them.
   */
  install(): () => void {
    const globals = globalThis as unknown as Record<string, unknown>;
    const saved = Object.fromEntries(PATCHED.map((name) => [name, globals[name]]));
    globals.setTimeout = (callback: Callback, ms?: number, ...args: unknown[]) =>
      this.setTimeout(callback, ms, ...args);
    globals.setInterval = (callback: Callback, ms?: number, ...args: unknown[]) =>
      this.setInterval(callback, ms, ...args);
    globals.clearTimeout = (timer: unknown) => this.clear(timer);
    globals.clearInterval = (timer: unknown) => this.clear(timer);
    return () => {
      for (const name of PATCHED) globals[name] = saved[name];
    };
  }

  /** Fires every timer due up to `endMs`, in order, then sets the time to `endMs`. */
  async runUntil(endMs: number): Promise<void> {
    for (;;) {
      await flushMicrotasks();
      const next = this.heap.peek();
      if (next === undefined || next.at > endMs) break;
      this.heap.pop();
      if (next.cancelled) continue;
      this.current = Math.max(this.current, next.at);
      if (next.intervalMs === null) {
        this.live.delete(next.id);
      } else {
        // setInterval: the next tick one interval after this one, whatever the callback does.
        next.at = this.current + next.intervalMs;
        next.seq = this.nextSeq++;
        this.heap.push(next);
      }
      next.callback(...next.args);
    }
    this.current = Math.max(this.current, endMs);
    await flushMicrotasks();
  }

  private schedule(callback: Callback, ms: number, intervalMs: number | null, args: unknown[]): VirtualTimer {
    const delay = Number.isFinite(ms) && ms > 0 ? ms : 0;
    const timer = new VirtualTimer(
      this.nextId++,
      this.current + delay,
      this.nextSeq++,
      intervalMs,
      callback,
      args,
    );
    this.live.set(timer.id, timer);
    this.heap.push(timer);
    return timer;
  }

  private sleep(ms: number, signal?: AbortSignal): Promise<void> {
    if (signal?.aborted) return Promise.reject(signal.reason);
    return new Promise<void>((resolve, reject) => {
      const onAbort = (): void => {
        this.clear(timer);
        reject(signal?.reason);
      };
      const timer = this.setTimeout(() => {
        signal?.removeEventListener("abort", onAbort);
        resolve();
      }, ms);
      signal?.addEventListener("abort", onAbort, { once: true });
    });
  }
}
