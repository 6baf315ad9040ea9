/**
 * PriorityQueue benchmark (`npm run bench:queue`): shows that enqueue, dequeue and promotion are
 * O(log n) by how the time per operation grows when N doubles, beside a naive sorted-array queue
 * (bench/support/sorted-array-queue.ts) measured in the same run. Nothing here asserts a time.
 *
 * Workloads, on the same seeded data for both queues:
 * - enqueue + dequeue: N new symbols with random tiers, the clock moving 1 ms per enqueue, then N
 *   dequeues (2N operations).
 * - promote: N symbols queued at LOW (not timed), then N/2 of them, in random order, enqueued
 *   again at a random higher tier (N/2 operations).
 *
 * Method: time is the CPU time of this process (process.cpuUsage: user + system, garbage
 * collector threads included), not wall time, so other work on the machine weighs less. A sample
 * repeats a workload (a fresh queue each time) until it has done a set number of operations,
 * so every sample does about the same work and meets the same garbage collections; the heap is
 * collected before each sample when run with --expose-gc (the npm script does). Rounds interleave
 * every size and both queues, so a burst of load elsewhere spreads over all cells instead of
 * skewing one. Each cell is the median of RUNS samples.
 */
import { performance } from "node:perf_hooks";
import { AssetPriority, type AssetRef } from "../src/models/batch.js";
import type { Clock } from "../src/services/ports.js";
import { DEFAULT_AGING_STEP_MS, PriorityQueue } from "../src/services/priority-queue.js";
import { seededRandom } from "../test/support/fakes.js";
import { SortedArrayQueue } from "./support/sorted-array-queue.js";
import { median, printTable } from "./support/stats.js";

const SIZES = [12_500, 25_000, 50_000, 100_000];
/**
 * The baseline is O(n²) per workload, and beyond this V8's splice also falls off a cliff (measured
 * on Node 20: about 150 µs per promotion at N = 100k, against 10 µs at 50k).
 */
const BASELINE_MAX_SIZE = 50_000;
const RUNS = 5;
const TIERS = [AssetPriority.CRITICAL, AssetPriority.HIGH, AssetPriority.MEDIUM, AssetPriority.LOW];
const collectGarbage = (globalThis as { gc?: () => void }).gc;

/** CPU milliseconds used by this process so far. */
function cpuMs(): number {
  const { user, system } = process.cpuUsage();
  return (user + system) / 1000;
}

/** What both queues offer the benchmark. */
interface BenchQueue {
  enqueue(ref: AssetRef, priority: AssetPriority): string;
  dequeue(): { symbol: string } | null;
}

class ManualClock implements Clock {
  current = Date.UTC(2026, 0, 5, 12, 0, 0);
  now(): number {
    return this.current;
  }
  sleep(): Promise<void> {
    return Promise.resolve();
  }
}

interface Contender {
  name: string;
  maxSize: number;
  create(n: number, clock: ManualClock): BenchQueue;
}

const HEAP: Contender = {
  name: "heap",
  maxSize: Number.POSITIVE_INFINITY,
  create: (n, clock) => new PriorityQueue({ clock, maxSize: n }),
};
const SORTED_ARRAY: Contender = {
  name: "sorted-array",
  maxSize: BASELINE_MAX_SIZE,
  create: (_n, clock) => new SortedArrayQueue(() => clock.now(), DEFAULT_AGING_STEP_MS),
};

interface Workload {
  refs: AssetRef[];
  tiers: AssetPriority[];
  /** Indexes of the symbols to promote, and the tier each is promoted to. */
  promoted: number[];
  promotedTo: AssetPriority[];
}

function workload(n: number): Workload {
  const random = seededRandom(n);
  const refs = Array.from({ length: n }, (_, i) => ({
    symbol: `S${i}`,
    polygonTicker: `C:S${i}`,
    assetType: "forex" as const,
  }));
  const tiers = refs.map(() => TIERS[Math.floor(random() * 4)] as AssetPriority);
  const order = refs.map((_, i) => i);
  for (let i = order.length - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1));
    [order[i], order[j]] = [order[j] as number, order[i] as number];
  }
  const promoted = order.slice(0, n >> 1);
  const promotedTo = promoted.map(() => TIERS[Math.floor(random() * 3)] as AssetPriority);
  return { refs, tiers, promoted, promotedTo };
}

interface Scenario {
  title: string;
  /** A sample repeats the workload until it has done at least this many operations. */
  sampleOps: number;
  ops(n: number): number;
  /** Runs the workload once; returns the milliseconds of its timed part. */
  run(contender: Contender, w: Workload, order?: string[]): number;
}

const ENQUEUE_DEQUEUE: Scenario = {
  title: "Enqueue N (random tiers, 1 ms apart), then dequeue N: 2N operations",
  sampleOps: 200_000,
  ops: (n) => 2 * n,
  run(contender, w, order) {
    const n = w.refs.length;
    const clock = new ManualClock();
    const started = cpuMs();
    const queue = contender.create(n, clock);
    for (let i = 0; i < n; i++) {
      clock.current += 1;
      queue.enqueue(w.refs[i] as AssetRef, w.tiers[i] as AssetPriority);
    }
    for (let i = 0; i < n; i++) {
      const item = queue.dequeue();
      if (order && item) order.push(item.symbol);
    }
    return cpuMs() - started;
  },
};

const PROMOTE: Scenario = {
  title: "Promote: N queued at LOW, then N/2 (random order) enqueued again at a higher tier: N/2 operations",
  sampleOps: 50_000,
  ops: (n) => n >> 1,
  run(contender, w, order) {
    const n = w.refs.length;
    const clock = new ManualClock();
    const queue = contender.create(n, clock);
    for (let i = 0; i < n; i++) {
      clock.current += 1;
      queue.enqueue(w.refs[i] as AssetRef, AssetPriority.LOW);
    }
    const started = cpuMs();
    for (let i = 0; i < w.promoted.length; i++) {
      queue.enqueue(w.refs[w.promoted[i] as number] as AssetRef, w.promotedTo[i] as AssetPriority);
    }
    const elapsed = cpuMs() - started;
    if (order) {
      for (let item = queue.dequeue(); item !== null; item = queue.dequeue()) order.push(item.symbol);
    }
    return elapsed;
  },
};

/** Both queues must serve the same order, or the comparison means nothing. */
function checkSameOrder(scenario: Scenario, w: Workload): void {
  const heap: string[] = [];
  const baseline: string[] = [];
  scenario.run(HEAP, w, heap);
  scenario.run(SORTED_ARRAY, w, baseline);
  if (heap.length !== w.refs.length || heap.join() !== baseline.join()) {
    throw new Error(`${scenario.title}: the heap and the sorted array disagree on the order`);
  }
}

/** One sample: CPU nanoseconds per operation over at least `scenario.sampleOps` operations. */
function sample(scenario: Scenario, contender: Contender, w: Workload): number {
  const ops = scenario.ops(w.refs.length);
  const repeats = Math.ceil(scenario.sampleOps / ops);
  collectGarbage?.();
  let ms = 0;
  for (let i = 0; i < repeats; i++) ms += scenario.run(contender, w);
  return (ms * 1e6) / (ops * repeats);
}

type Samples = Map<string, number[]>;
const cell = (scenario: Scenario, contender: Contender, n: number) =>
  `${scenario.title}|${contender.name}|${n}`;

function measure(scenarios: Scenario[], workloads: Map<number, Workload>): Samples {
  const samples: Samples = new Map();
  for (let round = 0; round < RUNS; round++) {
    for (const scenario of scenarios) {
      for (const [n, w] of workloads) {
        for (const contender of [HEAP, SORTED_ARRAY]) {
          if (n > contender.maxSize) continue;
          const key = cell(scenario, contender, n);
          samples.set(key, [...(samples.get(key) ?? []), sample(scenario, contender, w)]);
        }
      }
    }
  }
  return samples;
}

const integer = (value: number) => Math.round(value).toLocaleString("en-US");
const factor = (value: number, digits = 2) => `${value.toFixed(digits)}×`;

function report(scenario: Scenario, samples: Samples): void {
  const nsPerOp = (contender: Contender, n: number | undefined) => {
    const values = n === undefined ? undefined : samples.get(cell(scenario, contender, n));
    return values === undefined ? null : median(values);
  };
  const rows = SIZES.map((n, i) => {
    const previous = SIZES[i - 1];
    const heap = nsPerOp(HEAP, n) as number;
    const heapBefore = nsPerOp(HEAP, previous);
    const base = nsPerOp(SORTED_ARRAY, n);
    const baseBefore = nsPerOp(SORTED_ARRAY, previous);
    return {
      N: integer(n),
      "ops/sample": integer(Math.ceil(scenario.sampleOps / scenario.ops(n)) * scenario.ops(n)),
      "heap ops/s": integer(1e9 / heap),
      "heap t/op ×": heapBefore === null ? "—" : factor(heap / heapBefore),
      "sorted-array ops/s": base === null ? "not run" : integer(1e9 / base),
      "sorted-array t/op ×": base === null || baseBefore === null ? "—" : factor(base / baseBefore),
      "heap speed-up": base === null ? "—" : factor(base / heap, 1),
    };
  });
  printTable(scenario.title, rows);
}

function main(): void {
  const started = performance.now();
  const workloads = new Map(SIZES.map((n) => [n, workload(n)]));
  const smallest = workloads.get(SIZES[0] as number) as Workload;
  const scenarios = [ENQUEUE_DEQUEUE, PROMOTE];
  for (const scenario of scenarios) {
    checkSameOrder(scenario, smallest);
    // Warm-up: let the JIT compile both queues before anything is timed.
    for (const contender of [HEAP, SORTED_ARRAY]) sample(scenario, contender, smallest);
  }
  const samples = measure(scenarios, workloads);

  console.log(
    [
      `PriorityQueue benchmark, Node ${process.version}: median of ${RUNS} samples per cell, ops per CPU second` +
        (collectGarbage
          ? "; heap collected before each sample"
          : " (run with --expose-gc for steadier figures)"),
      `heap         = src/services/priority-queue.ts (indexed binary heap, aging step ${DEFAULT_AGING_STEP_MS} ms)`,
      "sorted-array = bench/support/sorted-array-queue.ts: binary search + splice insert (O(n)), take first (O(1));",
      `               run up to N = ${integer(BASELINE_MAX_SIZE)} only (O(n²) per workload; splice degrades further beyond)`,
      "t/op ×       = time per operation at N ÷ at N/2: about 1.0–1.2 for O(log n), about 2 for O(n)",
      `Both queues served the same order (checked at N = ${integer(smallest.refs.length)}).`,
    ].join("\n"),
  );
  for (const scenario of scenarios) report(scenario, samples);
  console.log(`\nTotal time ${((performance.now() - started) / 1000).toFixed(1)} s.`);
}

main();
