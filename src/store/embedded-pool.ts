import pg from "pg";

export interface EmbeddedPool {
  /** A pg.Pool over PGlite: the app uses one API and gets pg's types (int8 as string) everywhere. */
  pool: pg.Pool;
  /** Closes the database files; end the pool first. */
  closeDatabase(): Promise<void>;
}

/**
 * Opens PGlite (PostgreSQL 18 in wasm) persisted in `pgDir`, behind `pg.Pool` through PGlite's
 * node-postgres adapter. That adapter shares ONE connection object between the clients a pool
 * creates, and a destroyed client's late messages reach the next one (measured on 0.5.17: after
 * a failed `pool.query`, the next queries fail with "unexpected parseComplete" or get another
 * query's rows). pg-pool destroys a client whenever `pool.query` fails, so this pool never lets
 * its client go: `query` releases it normally whatever the outcome, and idle clients are kept.
 */
export async function openEmbeddedPool(pgDir: string): Promise<EmbeddedPool> {
  // Loaded only here: PGlite costs ~125 ms to import and is not needed with a server.
  const [{ PGlite }, { createPgConfig }] = await Promise.all([
    import("@electric-sql/pglite"),
    import("@electric-sql/pglite/node-postgres"),
  ]);
  const pglite = await PGlite.create(pgDir);
  const pool = new pg.Pool({ ...createPgConfig(pglite), idleTimeoutMillis: 0 });
  const keepClientQuery = async (text: string | pg.QueryConfig, values?: unknown[]) => {
    const client = await pool.connect();
    try {
      return await client.query(text, values);
    } finally {
      client.release();
    }
  };
  // Promise forms only (the ones this code base uses); pg's callback overloads are not served.
  pool.query = keepClientQuery as pg.Pool["query"];
  return { pool, closeDatabase: () => pglite.close() };
}
