import type { AssetSnapshot } from "../models/batch.js";
import type { Clock, Logger, PriceEventPublisher } from "../services/ports.js";

/** The event bus as operators see it: GetStatus and grpc.health.v1 report it. */
export interface PublisherHealth {
  healthy: boolean;
  /** Publishes that failed since start. */
  failedPublishes: number;
  /** Updates that could not be published since start. */
  lostEvents: number;
  /** Start of the current outage; null while healthy. */
  outageSince: Date | null;
}

/**
 * Wraps a publisher so that a bus outage never reaches the caller: prices are already committed
 * when they are published, so a failed publish loses only the notification. Failures are
 * counted, logged once when an outage starts and once when it ends, and reported through
 * `onHealthChange`.
 */
export class MonitoredPublisher implements PriceEventPublisher {
  private failedPublishes = 0;
  private lostEvents = 0;
  private outageSince: number | null = null;
  private failuresThisOutage = 0;

  constructor(
    private readonly inner: PriceEventPublisher,
    private readonly clock: Clock,
    private readonly logger: Logger,
    private readonly onHealthChange: (healthy: boolean) => void = () => {},
  ) {}

  async publish(snapshots: readonly AssetSnapshot[]): Promise<void> {
    try {
      await this.inner.publish(snapshots);
    } catch (err) {
      this.recordFailure(err, snapshots.length);
      return;
    }
    if (this.outageSince !== null) this.recordRecovery();
  }

  health(): PublisherHealth {
    return {
      healthy: this.outageSince === null,
      failedPublishes: this.failedPublishes,
      lostEvents: this.lostEvents,
      outageSince: this.outageSince === null ? null : new Date(this.outageSince),
    };
  }

  private recordFailure(err: unknown, events: number): void {
    this.failedPublishes += 1;
    this.lostEvents += events;
    this.failuresThisOutage += 1;
    if (this.outageSince !== null) return;
    this.outageSince = this.clock.now();
    this.logger.warn(
      { err, lostEvents: events },
      "price events cannot be published; prices are still stored; further failures are counted until it recovers",
    );
    this.onHealthChange(false);
  }

  private recordRecovery(): void {
    const outageMs = this.clock.now() - (this.outageSince ?? this.clock.now());
    this.logger.info(
      { outageMs, failedPublishes: this.failuresThisOutage },
      "price events are published again",
    );
    this.outageSince = null;
    this.failuresThisOutage = 0;
    this.onHealthChange(true);
  }
}
