import { readdir, readFile } from "node:fs/promises";
import type pg from "pg";
import { withTransaction } from "./transaction.js";

/** Numbered SQL files shipped next to this module, applied in name order. */
const MIGRATIONS_DIR = new URL("./migrations/", import.meta.url);
const MIGRATION_FILE = /^\d{4}_[a-z0-9_]+\.sql$/;

interface Migration {
  /** The file name without `.sql`, e.g. `0001_schema`. */
  version: string;
  sql: string;
}

async function loadMigrations(): Promise<Migration[]> {
  const files = (await readdir(MIGRATIONS_DIR)).filter((name) => MIGRATION_FILE.test(name)).sort();
  return Promise.all(
    files.map(async (file) => ({
      version: file.slice(0, -".sql".length),
      sql: await readFile(new URL(file, MIGRATIONS_DIR), "utf8"),
    })),
  );
}

/**
 * Applies every migration not yet recorded, in order, in one transaction. Replicas starting
 * together queue on a transaction-scoped advisory lock, so each file runs once; on PGlite (a
 * single session) the lock is a no-op and nothing else can interleave anyway.
 * Returns the versions applied by this call.
 */
export async function migrate(pool: pg.Pool): Promise<string[]> {
  const migrations = await loadMigrations();
  return withTransaction(pool, async (client) => {
    await client.query("SELECT pg_advisory_xact_lock(hashtext('data-service:migrations'))");
    // In public, not in the schemas other services may share: this bookkeeping is ours alone.
    await client.query(`CREATE TABLE IF NOT EXISTS public.data_service_migrations (
      version text PRIMARY KEY,
      applied_at timestamptz NOT NULL DEFAULT now()
    )`);
    const { rows } = await client.query<{ version: string }>(
      "SELECT version FROM public.data_service_migrations",
    );
    const done = new Set(rows.map((row) => row.version));
    const applied: string[] = [];
    for (const migration of migrations) {
      if (done.has(migration.version)) continue;
      await client.query(migration.sql);
      await client.query("INSERT INTO public.data_service_migrations (version) VALUES ($1)", [
        migration.version,
      ]);
      applied.push(migration.version);
    }
    return applied;
  });
}
