import { EventEmitter, on } from "node:events";
import { Code, ConnectError, type ServiceImpl } from "@connectrpc/connect";
import {
  type Health,
  HealthCheckResponse_ServingStatus as Status,
} from "../../gen/grpc/health/v1/health_pb.js";

/**
 * Serving status per service name for grpc.health.v1 ("" is the whole server). Everything starts
 * NOT_SERVING; main.ts flips it to SERVING once migrations ran and the store answers, and back
 * to NOT_SERVING first thing on shutdown.
 */
export class HealthRegistry {
  private readonly statuses = new Map<string, Status>();
  private readonly changes = new EventEmitter();

  constructor(serviceNames: readonly string[]) {
    for (const name of ["", ...serviceNames]) this.statuses.set(name, Status.NOT_SERVING);
    // Each Watch stream adds a listener; there is no fixed bound on streams.
    this.changes.setMaxListeners(0);
  }

  get(service: string): Status | undefined {
    return this.statuses.get(service);
  }

  setAll(status: Status): void {
    for (const name of this.statuses.keys()) this.set(name, status);
  }

  set(service: string, status: Status): void {
    if (this.statuses.get(service) === status) return;
    this.statuses.set(service, status);
    this.changes.emit("change", service);
  }

  entries(): [string, Status][] {
    return [...this.statuses];
  }

  /** Yields the service name of every change until the signal aborts. */
  watchChanges(signal: AbortSignal): AsyncIterableIterator<[string]> {
    return on(this.changes, "change", { signal }) as AsyncIterableIterator<[string]>;
  }
}

/** What watchProviderHealth reads: BatchOrchestrator's status and its access changes. */
export interface ProviderAccessSource {
  status(): { providerAccess: { keyRejected: unknown } };
  onProviderAccessChange(listener: () => void): () => void;
}

/**
 * Keeps `service` (data_service.provider) NOT_SERVING while the provider rejects the key and
 * SERVING once it accepts it again. Only changes are applied, so the start-up NOT_SERVING →
 * SERVING sequence of main.ts is untouched. Returns the unsubscribe function.
 */
export function watchProviderHealth(
  registry: HealthRegistry,
  source: ProviderAccessSource,
  service: string,
): () => void {
  return source.onProviderAccessChange(() => {
    const rejected = source.status().providerAccess.keyRejected !== null;
    registry.set(service, rejected ? Status.NOT_SERVING : Status.SERVING);
  });
}

export function createHealthService(registry: HealthRegistry): ServiceImpl<typeof Health> {
  return {
    check(req) {
      const status = registry.get(req.service);
      if (status === undefined) throw new ConnectError(`unknown service "${req.service}"`, Code.NotFound);
      return { status };
    },
    async *watch(req, ctx) {
      // Subscribe before the first yield so no change between the two is missed.
      const changes = registry.watchChanges(ctx.signal);
      let last = registry.get(req.service) ?? Status.SERVICE_UNKNOWN;
      yield { status: last };
      try {
        for await (const [service] of changes) {
          if (service !== req.service) continue;
          const now = registry.get(service) ?? Status.SERVICE_UNKNOWN;
          if (now !== last) {
            last = now;
            yield { status: now };
          }
        }
      } catch (err) {
        if (!ctx.signal.aborted) throw err;
      }
      // Ends the stream with the abort reason (UNAVAILABLE on shutdown), not OK.
      ctx.signal.throwIfAborted();
    },
    list() {
      return {
        statuses: Object.fromEntries(registry.entries().map(([name, status]) => [name, { status }])),
      };
    },
  };
}
