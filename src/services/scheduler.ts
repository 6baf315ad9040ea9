/**
 * Interval jobs on toad-scheduler that never overlap themselves and report when they run next.
 * toad-scheduler runs on real timers (setInterval); the clock given here must agree with them,
 * which systemClock does (and Date.now under vi.useFakeTimers in tests).
 */
import { AsyncTask, SimpleIntervalJob, ToadScheduler } from "toad-scheduler";
import type { Clock, Logger } from "./ports.js";

export interface IntervalJobSpec {
  id: string;
  name: string;
  intervalSeconds: number;
  /** Run once as soon as the scheduler starts, then every interval. */
  runAtStart: boolean;
  run: () => Promise<unknown>;
}

export interface ScheduledJobStatus {
  id: string;
  name: string;
  intervalSeconds: number;
  /** The next timer tick; null when the scheduler is not running. */
  nextRunAt: Date | null;
  running: boolean;
}

interface JobState {
  spec: IntervalJobSpec;
  running: boolean;
}

export class IntervalScheduler {
  private readonly clock: Clock;
  private readonly logger: Logger;
  private readonly jobs: JobState[] = [];
  private toad: ToadScheduler | null = null;
  private startedAt = 0;

  constructor(options: { clock: Clock; logger: Logger; jobs: readonly IntervalJobSpec[] }) {
    this.clock = options.clock;
    this.logger = options.logger;
    for (const spec of options.jobs) {
      if (!(spec.intervalSeconds > 0))
        throw new RangeError(`job ${spec.id}: interval must be positive seconds`);
      this.jobs.push({ spec, running: false });
    }
  }

  get started(): boolean {
    return this.toad !== null;
  }

  start(): void {
    if (this.toad) return;
    const toad = new ToadScheduler();
    this.toad = toad;
    this.startedAt = this.clock.now();
    for (const job of this.jobs) {
      const task = new AsyncTask(job.spec.id, () => this.execute(job));
      const { intervalSeconds: seconds, runAtStart: runImmediately, id } = job.spec;
      // preventOverrun skips a tick while the previous run of the same job is still going.
      toad.addSimpleIntervalJob(
        new SimpleIntervalJob({ seconds, runImmediately }, task, { id, preventOverrun: true }),
      );
    }
  }

  /** Stops the timers; runs already going are left to finish. */
  stop(): void {
    this.toad?.stop();
    this.toad = null;
  }

  status(): ScheduledJobStatus[] {
    const now = this.clock.now();
    return this.jobs.map(({ spec, running }) => ({
      id: spec.id,
      name: spec.name,
      intervalSeconds: spec.intervalSeconds,
      nextRunAt: this.toad ? new Date(this.nextTickAfter(now, spec.intervalSeconds * 1000)) : null,
      running,
    }));
  }

  /**
   * setInterval ticks at start + k·interval whatever the runs take, and a tick that finds the
   * job still running is skipped; so the next run is the next tick, not lastStart + interval.
   */
  private nextTickAfter(now: number, intervalMs: number): number {
    const ticks = Math.floor(Math.max(0, now - this.startedAt) / intervalMs) + 1;
    return this.startedAt + ticks * intervalMs;
  }

  private async execute(job: JobState): Promise<void> {
    job.running = true;
    try {
      await job.spec.run();
    } catch (error) {
      this.logger.error(
        { job: job.spec.id, err: error instanceof Error ? error.message : String(error) },
        "job failed",
      );
    } finally {
      job.running = false;
    }
  }
}
