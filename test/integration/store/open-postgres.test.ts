import pg from "pg";
import { afterEach, describe, expect, it } from "vitest";
import { migrate } from "../../../src/store/migrate.js";
import { openStore, StoreOpenError } from "../../../src/store/open-store.js";
import { createTestDatabase, type TestDatabase } from "../../support/postgres.js";

describe("migrate on a PostgreSQL server", () => {
  const cleanups: (() => Promise<void>)[] = [];
  afterEach(async () => {
    for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
  });

  async function newDatabase(): Promise<TestDatabase> {
    const database = await createTestDatabase();
    cleanups.push(() => database.drop());
    return database;
  }

  function newPool(url: string): pg.Pool {
    const pool = new pg.Pool({ connectionString: url, max: 2 });
    cleanups.push(() => pool.end());
    return pool;
  }

  it("applies each migration exactly once when two replicas start together", async () => {
    const { url } = await newDatabase();
    const [a, b] = [newPool(url), newPool(url)];

    const applied = await Promise.all([migrate(a), migrate(b)]);

    // One replica did everything; the other waited on the lock and found nothing left to do.
    expect(applied).toContainEqual([
      "0001_schema",
      "0002_seed",
      "0003_sync_last_success",
      "0004_price_snapshots",
      "0005_hot_updates",
    ]);
    expect(applied).toContainEqual([]);
    const { rows } =
      await a.query(`SELECT (SELECT count(*) FROM public.data_service_migrations) AS migrations,
                                           (SELECT count(*) FROM trading.symbols) AS symbols,
                                           (SELECT count(*) FROM data_sources.api_providers) AS providers`);
    expect(rows).toEqual([{ migrations: "5", symbols: "9", providers: "1" }]);
  });

  it("leaves nothing behind when a migration fails", async () => {
    const { url } = await newDatabase();
    const pool = newPool(url);
    // A conflicting object makes 0001 fail half-way, after the schemas were created.
    await pool.query("CREATE SCHEMA data_sources; CREATE VIEW data_sources.api_providers AS SELECT 1 AS id");

    await expect(migrate(pool)).rejects.toThrow();

    const { rows } = await pool.query(`SELECT to_regnamespace('trading') AS trading,
                                              to_regclass('public.data_service_migrations') AS bookkeeping`);
    expect(rows).toEqual([{ trading: null, bookkeeping: null }]);
  });
});

describe("openStore with an unusable DATABASE_URL", () => {
  it.each([
    [
      "a closed port",
      "postgres://app:s3cr%3Ft@127.0.0.1:1/prices",
      /at 127\.0\.0\.1:1\/prices .*ECONNREFUSED/,
    ],
    [
      "an unknown role",
      "postgres://nobody_here:s3cr%3Ft@127.0.0.1:5432/test",
      /at 127\.0\.0\.1:5432\/test .*nobody_here/,
    ],
    ["a malformed URL", "postgres://app:s3cr%3Ft@[::1/prices", /at an invalid URL/],
  ])("fails with %s, naming the server but never the password", async (_case, databaseUrl, message) => {
    const error = await openStore({ databaseUrl, dataDir: "unused" }).then(
      () => expect.fail("openStore should have failed"),
      (reason: unknown) => reason,
    );
    expect(error).toBeInstanceOf(StoreOpenError);
    expect((error as Error).message).toMatch(message);
    const everything =
      JSON.stringify(error, Object.getOwnPropertyNames(error)) + String((error as Error).cause);
    expect(everything).not.toMatch(/s3cr/);
  });
});
