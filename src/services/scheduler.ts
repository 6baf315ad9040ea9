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
  /** When the last timer tick (run or skipped) fired; null before the first one. */
  lastTickAt: number | null;
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
      this.jobs.push({ spec, running: false, lastTickAt: null });
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
      job.lastTickAt = null;
      const task = new AsyncTask(job.spec.id, () => this.onTick(job));
      const { intervalSeconds: seconds, runAtStart: runImmediately, id } = job.spec;
      // Overruns are skipped in onTick rather than by toad (preventOverrun), so every tick is seen.
      toad.addSimpleIntervalJob(
        new SimpleIntervalJob({ seconds, runImmediately }, task, { id, preventOverrun: false }),
      );
    }
  }

  /** Stops the timers; runs already going are left to finish. */
  stop(): void {
    this.toad?.stop();
    this.toad = null;
  }

  status(): ScheduledJobStatus[] {
    return this.jobs.map((job) => ({
      id: job.spec.id,
      name: job.spec.name,
      intervalSeconds: job.spec.intervalSeconds,
      nextRunAt: this.nextRunOf(job),
      running: job.running,
    }));
  }

  /**
   * When job `id` runs next: the time of the first timer tick it has not seen yet. It may be in
   * the past while that tick's timer is late, which means the run is due now. Null when the
   * scheduler is not running or no such job exists.
   */
  nextRunAt(id: string): Date | null {
    const job = this.jobs.find((j) => j.spec.id === id);
    return job === undefined ? null : this.nextRunOf(job);
  }

  /**
   * setInterval ticks every interval whatever the runs take (each tick an interval after the
   * previous one fired), and a tick that finds the job still running is skipped; so the next run
   * is the next tick, not lastStart + interval.
   */
  private nextRunOf(job: JobState): Date | null {
    if (this.toad === null) return null;
    const intervalMs = job.spec.intervalSeconds * 1000;
    if (job.lastTickAt !== null) return new Date(job.lastTickAt + intervalMs);
    return new Date(this.startedAt + (job.spec.runAtStart ? 0 : intervalMs));
  }

  /** A job never overlaps itself: a tick that finds it still running is skipped. */
  private async onTick(job: JobState): Promise<void> {
    job.lastTickAt = this.clock.now();
    if (job.running) return;
    await this.execute(job);
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
