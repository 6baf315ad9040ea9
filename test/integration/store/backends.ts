/** The two databases every store test runs on: the PostgreSQL server and embedded PGlite. */
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import type pg from "pg";
import { afterAll, beforeAll, beforeEach } from "vitest";
import { type OpenedStore, openStore } from "../../../src/store/open-store.js";
import { createTestDatabase } from "../../support/postgres.js";

/** The catalog seeded by migration 0002. */
export const SEEDED = [
  "XAUUSD",
  "EURUSD",
  "BTCUSD",
  "ETHUSDT",
  "GBPUSD",
  "USDJPY",
  "XAGUSD",
  "AUDUSD",
  "USDCAD",
];

export interface StoreBackend {
  name: string;
  open(): Promise<{ opened: OpenedStore; cleanup(): Promise<void> }>;
}

// Each PGlite costs ~0.5 GB and seconds to open: one per test file, reset between tests.
export const STORE_BACKENDS: StoreBackend[] = [
  {
    name: "PostgreSQL server",
    async open() {
      const database = await createTestDatabase();
      // dataDir is ignored when a databaseUrl is given.
      const opened = await openStore({ databaseUrl: database.url, dataDir: "unused" });
      const cleanup = async () => {
        await opened.close();
        await database.drop();
      };
      return { opened, cleanup };
    },
  },
  {
    name: "embedded PGlite",
    async open() {
      const dataDir = await mkdtemp(path.join(tmpdir(), "data-service-store-"));
      const opened = await openStore({ dataDir });
      const cleanup = async () => {
        await opened.close();
        await rm(dataDir, { recursive: true });
      };
      return { opened, cleanup };
    },
  },
];

/** Back to the freshly migrated state: the seeded catalog, no prices, no history, no sync rows. */
export async function resetStore(pool: pg.Pool): Promise<void> {
  await pool.query("DELETE FROM trading.price_snapshots");
  await pool.query("DELETE FROM data_sources.data_sync_status");
  await pool.query("DELETE FROM trading.symbols WHERE symbol <> ALL ($1::text[])", [SEEDED]);
  await pool.query("UPDATE trading.symbols SET metadata = '{}', is_active = true");
}

export interface StoreFixture {
  /** The open store; only valid inside tests. */
  readonly opened: OpenedStore;
  /** Runs a query on the store's pool and returns its rows. */
  sql<R extends object = Record<string, unknown>>(text: string, values?: unknown[]): Promise<R[]>;
}

/** Opens `backend` once for the enclosing describe, resets it before each test, closes it after. */
export function useStoreBackend(backend: StoreBackend): StoreFixture {
  let current: { opened: OpenedStore; cleanup(): Promise<void> } | undefined;
  beforeAll(async () => {
    current = await backend.open();
  });
  afterAll(async () => {
    await current?.cleanup();
  });
  beforeEach(async () => {
    await resetStore(fixture.opened.pool);
  });
  const fixture: StoreFixture = {
    get opened() {
      if (!current) throw new Error(`the ${backend.name} store is not open`);
      return current.opened;
    },
    async sql<R extends object = Record<string, unknown>>(text: string, values?: unknown[]) {
      return (await fixture.opened.pool.query(text, values)).rows as R[];
    },
  };
  return fixture;
}
