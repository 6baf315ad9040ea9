import { Redis, type RedisOptions } from "ioredis";
import type { Logger, PriceEventPublisher, PriceEventSource } from "../services/ports.js";
import { InProcessPriceBus } from "./in-process-price-bus.js";
import { RedisPriceEventPublisher } from "./redis-price-event-publisher.js";
import { RedisPriceEventSource } from "./redis-price-event-source.js";

export interface OpenEventsOptions {
  /** Redis connection string; unset selects the in-process bus (one process only). */
  redisUrl?: string;
  /** Prepended to every channel name; tests use it to isolate runs sharing a Redis. */
  channelPrefix?: string;
  logger?: Logger;
}

export interface OpenedEvents {
  publisher: PriceEventPublisher;
  source: PriceEventSource;
  kind: "redis" | "in-process";
  /** Closes the Redis connections (or drops the in-process listeners). */
  close(): Promise<void>;
}

/** Redis could not be reached at start. The message names host and port, never credentials. */
export class EventsOpenError extends Error {
  override readonly name = "EventsOpenError";
}

/** A stalled Redis must not hold a batch up: publishing fails after this long instead. */
const PUBLISH_TIMEOUT_MS = 5_000;

/**
 * Opens the price-event channels. With Redis: a publisher connection and a dedicated subscriber
 * connection, both connected (a bad URL fails here, not at the first publish) and the
 * subscription active before this resolves.
 */
export async function openEvents(options: OpenEventsOptions): Promise<OpenedEvents> {
  const { redisUrl, channelPrefix = "", logger } = options;
  if (redisUrl === undefined) {
    const bus = new InProcessPriceBus(logger);
    return { publisher: bus, source: bus, kind: "in-process", close: async () => bus.close() };
  }
  // Offline queue off: while Redis is down a publish fails at once rather than piling up stale prices.
  const publisherConnection = await connectRedis(redisUrl, "publisher", logger, {
    enableOfflineQueue: false,
    commandTimeout: PUBLISH_TIMEOUT_MS,
  });
  let subscriberConnection: Redis | undefined;
  let source: RedisPriceEventSource;
  try {
    subscriberConnection = await connectRedis(redisUrl, "subscriber", logger, {});
    source = await RedisPriceEventSource.open(subscriberConnection, { channelPrefix, logger });
  } catch (error) {
    subscriberConnection?.disconnect();
    publisherConnection.disconnect();
    throw error;
  }
  logger?.info({ target: describeTarget(redisUrl), channelPrefix }, "Redis price events ready");
  return {
    publisher: new RedisPriceEventPublisher(publisherConnection, channelPrefix),
    source,
    kind: "redis",
    close: async () => {
      await source.close();
      await publisherConnection.quit().catch(() => publisherConnection.disconnect());
    },
  };
}

async function connectRedis(
  redisUrl: string,
  role: "publisher" | "subscriber",
  logger: Logger | undefined,
  extra: RedisOptions,
): Promise<Redis> {
  let redis: Redis | undefined;
  // connect() rejects with a bare "Connection is closed."; the cause arrives as an error event.
  let lastError: unknown;
  const remember = (error: unknown) => {
    lastError = error;
  };
  try {
    redis = new Redis(redisUrl, { lazyConnect: true, connectionName: `data-service:${role}`, ...extra });
    redis.on("error", remember);
    await redis.connect();
  } catch (error) {
    // Without this, ioredis would keep retrying in the background.
    redis?.disconnect();
    const reason = lastError ?? error;
    const detail = reason instanceof Error ? reason.message : String(reason);
    throw new EventsOpenError(
      `cannot connect to Redis at ${describeTarget(redisUrl)} (REDIS_URL): ${detail}`,
    );
  }
  redis.off("error", remember);
  // From now on ioredis reconnects by itself; an unhandled error event would only print to stderr.
  redis.on("error", (error: Error) =>
    logger?.warn({ err: error, role }, "Redis connection error; reconnecting"),
  );
  return redis;
}

/** host:port, without user or password, for messages and logs. */
function describeTarget(redisUrl: string): string {
  try {
    const url = new URL(redisUrl);
    return `${url.hostname}:${url.port || "6379"}`;
  } catch {
    return "an invalid URL";
  }
}
