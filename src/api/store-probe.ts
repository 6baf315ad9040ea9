import { HealthCheckResponse_ServingStatus as Status } from "../../gen/grpc/health/v1/health_pb.js";
import type { Logger } from "../services/ports.js";
import type { HealthRegistry } from "./health.js";

export interface StoreProbeOptions {
  registry: HealthRegistry;
  /** Resolves when the store answers (e.g. SELECT 1). */
  ping: () => Promise<void>;
  /** Health names that follow the store: NOT_SERVING while it does not answer. */
  names: readonly string[];
  intervalMs: number;
  logger: Logger;
}

/**
 * Pings the store on an interval and reflects it in grpc.health.v1, so a load balancer stops
 * sending reads to a replica whose database is gone. Logs once when the store stops answering and
 * once when it is back. Returns a function that stops probing.
 */
export function watchStoreHealth(options: StoreProbeOptions): () => void {
  const { registry, ping, names, logger } = options;
  let healthy = true;
  let probing = false;
  let stopped = false;
  const probe = async (): Promise<void> => {
    // A ping slower than the interval must not pile up a second one.
    if (probing) return;
    probing = true;
    try {
      await ping();
      if (!healthy) logger.info({}, "the store answers again");
      healthy = true;
    } catch (err) {
      if (healthy) logger.error({ err }, "the store does not answer; reporting NOT_SERVING until it does");
      healthy = false;
    } finally {
      probing = false;
    }
    // A ping that settles after stop must not undo the shutdown's NOT_SERVING.
    if (stopped) return;
    for (const name of names) registry.set(name, healthy ? Status.SERVING : Status.NOT_SERVING);
  };
  const timer = setInterval(() => void probe(), options.intervalMs);
  timer.unref();
  return () => {
    stopped = true;
    clearInterval(timer);
  };
}
