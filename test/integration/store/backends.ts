/** The two databases every store test runs on: the PostgreSQL server and embedded PGlite. */
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import type pg from "pg";
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
