/**
 * The service's configuration: every variable of DESIGN.md, parsed and validated once.
 * main.ts is the only caller; everything else receives a Settings object.
 */

export type FetchMode = "single" | "multi" | "universal" | "prev";
export const FETCH_MODES: readonly FetchMode[] = ["single", "multi", "universal", "prev"];

export type LogLevel = "fatal" | "error" | "warn" | "info" | "debug" | "trace" | "silent";
const LOG_LEVELS: readonly LogLevel[] = ["fatal", "error", "warn", "info", "debug", "trace", "silent"];

export interface Settings {
  host: string;
  port: number;
  databaseUrl: string | undefined;
  redisUrl: string | undefined;
  dataDir: string;
  polygonApiKey: string | undefined;
  polygonBaseUrl: string;
  polygonFetchMode: FetchMode;
  polygonRateLimit: number;
  polygonRateWindowSeconds: number;
  batchIntervalSeconds: number;
  queueIntervalSeconds: number;
  queueItemsPerRun: number;
  /** Aging step of the queue: a LOW item is overtaken by nothing queued 3 × this later. */
  queueAgingSeconds: number;
  enqueueIntervalSeconds: number;
  staleAfterSeconds: number;
  /** Days of price history kept (trading.price_snapshots, by provider time); 0 keeps it forever. */
  historyRetentionDays: number;
  assetsFile: string | undefined;
  batchAdminToken: string | undefined;
  logLevel: LogLevel;
}

/** A configuration value that cannot be used; the message names the variable and what it accepts. */
export class ConfigError extends Error {
  override readonly name = "ConfigError";
  constructor(
    readonly variable: string,
    accepts: string,
    got: string,
  ) {
    super(`${variable}: expected ${accepts}, got ${got}`);
  }
}

type Env = Readonly<Record<string, string | undefined>>;

/** Parses the environment. Throws ConfigError on the first bad value. */
export function loadSettings(env: Env): Settings {
  const read = (name: string): string | undefined => {
    const value = env[name]?.trim();
    return value === "" ? undefined : value;
  };
  const int = (name: string, fallback: number, min: number, max: number): number => {
    const raw = read(name);
    if (raw === undefined) return fallback;
    const value = Number(raw);
    if (!/^\d+$/.test(raw) || !Number.isSafeInteger(value) || value < min || value > max) {
      throw new ConfigError(name, `an integer from ${min} to ${max}`, JSON.stringify(raw));
    }
    return value;
  };
  const oneOf = <T extends string>(name: string, allowed: readonly T[], fallback: T): T => {
    const raw = read(name);
    if (raw === undefined) return fallback;
    if (!(allowed as readonly string[]).includes(raw)) {
      throw new ConfigError(name, `one of ${allowed.join(", ")}`, JSON.stringify(raw));
    }
    return raw as T;
  };
  const url = (name: string, protocols: readonly string[], fallback?: string): string | undefined => {
    const raw = read(name) ?? fallback;
    if (raw === undefined) return undefined;
    let parsed: URL;
    try {
      parsed = new URL(raw);
    } catch {
      throw new ConfigError(name, `a ${protocols.join(" or ")} URL`, describeSecretUrl(raw));
    }
    if (!protocols.includes(parsed.protocol.replace(/:$/, ""))) {
      throw new ConfigError(name, `a ${protocols.join(" or ")} URL`, `a ${parsed.protocol} URL`);
    }
    return raw;
  };
  const secret = (name: string, minLength: number): string | undefined => {
    const raw = read(name);
    if (raw === undefined) return undefined;
    if (raw.length < minLength || /\s/.test(raw)) {
      // Never echo a secret, not even a wrong one.
      throw new ConfigError(
        name,
        `at least ${minLength} characters without spaces`,
        `${raw.length} characters`,
      );
    }
    return raw;
  };

  return {
    host: read("HOST") ?? "127.0.0.1",
    port: int("PORT", 50051, 0, 65535),
    databaseUrl: url("DATABASE_URL", ["postgres", "postgresql"]),
    redisUrl: url("REDIS_URL", ["redis", "rediss"]),
    dataDir: read("DATA_DIR") ?? "./data",
    polygonApiKey: secret("POLYGON_API_KEY", 8),
    polygonBaseUrl: url("POLYGON_BASE_URL", ["http", "https"], "https://api.massive.com") as string,
    polygonFetchMode: oneOf("POLYGON_FETCH_MODE", FETCH_MODES, "single"),
    polygonRateLimit: int("POLYGON_RATE_LIMIT", 5, 1, 100_000),
    polygonRateWindowSeconds: int("POLYGON_RATE_WINDOW_SECONDS", 60, 1, 86_400),
    batchIntervalSeconds: int("BATCH_INTERVAL_SECONDS", 300, 1, 86_400),
    queueIntervalSeconds: int("QUEUE_INTERVAL_SECONDS", 15, 1, 86_400),
    queueItemsPerRun: int("QUEUE_ITEMS_PER_RUN", 2, 1, 1000),
    queueAgingSeconds: int("QUEUE_AGING_SECONDS", 300, 1, 86_400),
    enqueueIntervalSeconds: int("ENQUEUE_INTERVAL_SECONDS", 1800, 1, 604_800),
    staleAfterSeconds: int("STALE_AFTER_SECONDS", 900, 1, 604_800),
    historyRetentionDays: int("HISTORY_RETENTION_DAYS", 30, 0, 3650),
    assetsFile: read("ASSETS_FILE"),
    batchAdminToken: secret("BATCH_ADMIN_TOKEN", 16),
    logLevel: oneOf("LOG_LEVEL", LOG_LEVELS, "info"),
  };
}

/** Shows a URL-ish value without any password it may carry. */
function describeSecretUrl(raw: string): string {
  return JSON.stringify(raw.replace(/\/\/[^@/]*@/, "//***@"));
}
