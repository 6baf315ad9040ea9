import { mkdir } from "node:fs/promises";
import path from "node:path";
import pg from "pg";
import type { Logger } from "../services/ports.js";
import { acquireDataDirLock } from "./data-dir-lock.js";
import { openEmbeddedPool } from "./embedded-pool.js";
import { migrate } from "./migrate.js";
import {
  PostgresAssetStore,
  type PostgresAssetStoreOptions,
  resolveStoreOptions,
} from "./postgres-asset-store.js";

export interface OpenStoreOptions {
  /** PostgreSQL connection string; unset selects the embedded database in `dataDir`. */
  databaseUrl?: string;
  /** Directory of the embedded database (`${dataDir}/pg`) and its lock file. */
  dataDir: string;
  /** Days of price history PostgresAssetStore.pruneHistory keeps; 0 keeps everything. Default 30. */
  historyRetentionDays?: number;
  logger?: Logger;
}

export interface OpenedStore {
  store: PostgresAssetStore;
  kind: "postgres" | "embedded";
  /**
   * The migrated pool, for adapters sharing the database. Embedded, it has a single connection:
   * never ask it for a client while holding one.
   */
  pool: pg.Pool;
  /** Closes the pool and, when embedded, the database and its lock. */
  close(): Promise<void>;
}

/** The database could not be opened or migrated at start. The message never carries credentials. */
export class StoreOpenError extends Error {
  override readonly name = "StoreOpenError";
}

const POOL_SIZE = 5;
const CONNECT_TIMEOUT_MS = 10_000;

/** Opens and migrates the store: PostgreSQL when `databaseUrl` is set, embedded PGlite otherwise. */
export async function openStore(options: OpenStoreOptions): Promise<OpenedStore> {
  // Checked before anything is opened, so a bad value leaves nothing behind.
  const storeOptions = resolveStoreOptions({ historyRetentionDays: options.historyRetentionDays });
  return options.databaseUrl === undefined
    ? openEmbedded(options.dataDir, storeOptions, options.logger)
    : openPostgres(options.databaseUrl, storeOptions, options.logger);
}

async function openPostgres(
  databaseUrl: string,
  storeOptions: PostgresAssetStoreOptions,
  logger: Logger | undefined,
): Promise<OpenedStore> {
  const target = describeTarget(databaseUrl);
  const pool = new pg.Pool({
    connectionString: databaseUrl,
    max: POOL_SIZE,
    connectionTimeoutMillis: CONNECT_TIMEOUT_MS,
    // Notices a server that vanished behind a NAT or load balancer instead of hanging on it.
    keepAlive: true,
    application_name: "data-service",
  });
  // An idle connection dropped by the server emits here; unhandled, it would crash the process.
  pool.on("error", (error) => logger?.warn({ err: error, target }, "idle PostgreSQL connection failed"));
  try {
    const applied = await migrate(pool);
    logger?.info({ target, applied }, "PostgreSQL store ready");
  } catch (error) {
    await pool.end().catch(() => undefined);
    throw new StoreOpenError(`cannot open PostgreSQL at ${target} (DATABASE_URL): ${messageOf(error)}`, {
      cause: error,
    });
  }
  const store = new PostgresAssetStore(pool, storeOptions);
  return { store, kind: "postgres", pool, close: () => store.close() };
}

async function openEmbedded(
  dataDir: string,
  storeOptions: PostgresAssetStoreOptions,
  logger: Logger | undefined,
): Promise<OpenedStore> {
  // PGlite creates only the last directory of its path.
  await mkdir(dataDir, { recursive: true });
  const lock = await acquireDataDirLock(dataDir);
  const pgDir = path.join(dataDir, "pg");
  try {
    const embedded = await openEmbeddedPool(pgDir);
    try {
      const applied = await migrate(embedded.pool);
      logger?.info({ dataDir: pgDir, applied }, "embedded PGlite store ready");
    } catch (error) {
      await embedded.pool.end();
      await embedded.closeDatabase();
      throw error;
    }
    const store = new PostgresAssetStore(embedded.pool, storeOptions);
    const close = async () => {
      await store.close(); // ends the pool
      await embedded.closeDatabase();
      await lock.release();
    };
    return { store, kind: "embedded", pool: embedded.pool, close: once(close) };
  } catch (error) {
    await lock.release();
    throw new StoreOpenError(`cannot open the embedded database in ${pgDir}: ${messageOf(error)}`, {
      cause: error,
    });
  }
}

/** host:port/database, without user or password, for messages and logs. */
function describeTarget(databaseUrl: string): string {
  try {
    const url = new URL(databaseUrl);
    return `${url.hostname}:${url.port || "5432"}${url.pathname}`;
  } catch {
    return "an invalid URL";
  }
}

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

function once(fn: () => Promise<void>): () => Promise<void> {
  let running: Promise<void> | undefined;
  return () => {
    running ??= fn();
    return running;
  };
}
