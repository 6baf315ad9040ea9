import { readFile } from "node:fs/promises";
import { describe, expect, it } from "vitest";
import type { AssetDefinition, AssetSnapshot } from "../../../src/models/batch.js";
import { migrate } from "../../../src/store/migrate.js";
import { PostgresAssetStore } from "../../../src/store/postgres-asset-store.js";
import { makeSnapshot } from "../../support/fakes.js";
import { STORE_BACKENDS, useStoreBackend } from "./backends.js";

const AT = Date.parse("2026-01-02T03:04:05.678Z");

function gold(overrides: Partial<AssetSnapshot> = {}): AssetSnapshot {
  return { ...makeSnapshot("XAUUSD", AT, 2650.3), dailyOpen: 2640, dailyHigh: 2660.25, ...overrides };
}

describe.each(STORE_BACKENDS)("PostgresAssetStore on $name", (backend) => {
  const fixture = useStoreBackend(backend);
  const sql = fixture.sql;

  async function metadataOf(symbol: string): Promise<unknown> {
    const [row] = await sql<{ metadata: unknown }>("SELECT metadata FROM trading.symbols WHERE symbol = $1", [
      symbol,
    ]);
    return row?.metadata;
  }

  it("applies each migration once: running them again changes nothing", async () => {
    expect(await migrate(fixture.opened.pool)).toEqual([]);
    const rows = await sql("SELECT version FROM public.data_service_migrations ORDER BY version");
    expect(rows).toEqual([
      { version: "0001_schema" },
      { version: "0002_seed" },
      { version: "0003_sync_last_success" },
      { version: "0004_price_snapshots" },
      { version: "0005_hot_updates" },
    ]);
  });

  it("seeds the polygon provider and the spec's nine assets", async () => {
    expect(await sql("SELECT code FROM data_sources.api_providers")).toEqual([{ code: "polygon" }]);
    const [xau] = await sql("SELECT * FROM trading.symbols WHERE symbol = 'XAUUSD'");
    expect(xau).toMatchObject({
      name: "Gold Spot / US Dollar",
      asset_type: "forex",
      base_asset: "XAU",
      quote_asset: "USD",
      price_precision: 2,
      polygon_ticker: "C:XAUUSD",
      priority: 1,
      is_active: true,
    });
    const states = await fixture.opened.store.loadAssetStates();
    // Priority first (critical, high, medium), then symbol.
    expect(states.map((s) => s.symbol)).toEqual([
      "BTCUSD",
      "EURUSD",
      "XAUUSD",
      "ETHUSDT",
      "GBPUSD",
      "USDJPY",
      "AUDUSD",
      "USDCAD",
      "XAGUSD",
    ]);
    expect(states.every((s) => s.latest === null && s.syncStatus === null)).toBe(true);
  });

  it("saveSnapshots merges last_update into metadata as the spec's UPDATE, keeping other keys", async () => {
    await sql(`UPDATE trading.symbols
                  SET metadata = '{"exchange": "OTC", "last_update": {"bid": 1, "volume": 9}}',
                      updated_at = now() - interval '1 hour'
                WHERE symbol = 'XAUUSD'`);

    await fixture.opened.store.saveSnapshots([gold(), makeSnapshot("EURUSD", AT, 1.04)]);

    expect(await metadataOf("XAUUSD")).toEqual({
      exchange: "OTC",
      last_update: {
        bid: 2649.8,
        ask: 2650.8,
        spread: 1,
        last_price: 2650.3,
        daily_open: 2640,
        daily_high: 2660.25,
        daily_low: null,
        daily_close: null,
        timestamp: "2026-01-02T03:04:05.678Z",
        source: "polygon",
      },
    });
    const [touched] = await sql(
      "SELECT updated_at > now() - interval '1 minute' AS fresh FROM trading.symbols WHERE symbol = 'XAUUSD'",
    );
    expect(touched).toEqual({ fresh: true });
    const sync = await sql(`
      SELECT s.symbol, st.sync_status, st.error_message, st.last_sync_timestamp IS NOT NULL AS synced
        FROM data_sources.data_sync_status st
        JOIN trading.symbols s ON s.id = st.ticker_id
       ORDER BY s.symbol`);
    expect(sync).toEqual([
      { symbol: "EURUSD", sync_status: "success", error_message: null, synced: true },
      { symbol: "XAUUSD", sync_status: "success", error_message: null, synced: true },
    ]);
  });

  it("saveSnapshots keeps the last snapshot of a symbol given twice in one call", async () => {
    await fixture.opened.store.saveSnapshots([gold({ lastPrice: 1 }), gold({ lastPrice: 2 })]);
    const [state] = await fixture.opened.store.loadAssetStates(["XAUUSD"]);
    expect(state?.latest?.lastPrice).toBe(2);
  });

  it("saveSnapshots writes no price and no history when the sync status cannot be recorded", async () => {
    // Without the provider row the sync upsert violates NOT NULL, after the metadata UPDATE and
    // the history INSERT of the same statement ran.
    await sql("DELETE FROM data_sources.api_providers WHERE code = 'polygon'");
    try {
      await expect(fixture.opened.store.saveSnapshots([gold()])).rejects.toMatchObject({ code: "23502" });
      expect(await metadataOf("XAUUSD")).toEqual({});
      expect(await sql("SELECT count(*) AS n FROM trading.price_snapshots")).toEqual([{ n: "0" }]);
    } finally {
      await sql(
        "INSERT INTO data_sources.api_providers (code, name) VALUES ('polygon', 'Polygon.io (Massive)')",
      );
    }
  });

  it("setSyncStatus records a failure with its error, and a later success clears it", async () => {
    await fixture.opened.store.setSyncStatus([
      { symbol: "XAUUSD", status: "failed", error: "HTTP 503" },
      { symbol: "EURUSD", status: "in_progress", error: null },
      { symbol: "NOSUCH", status: "failed", error: "ignored like the spec's INSERT … SELECT" },
    ]);
    const [eur, xau] = await fixture.opened.store.loadAssetStates(["XAUUSD", "EURUSD"]);
    expect(xau).toMatchObject({
      symbol: "XAUUSD",
      syncStatus: "failed",
      errorMessage: "HTTP 503",
      latest: null,
    });
    expect(xau?.lastSyncAt).toBeInstanceOf(Date);
    expect(eur).toMatchObject({ symbol: "EURUSD", syncStatus: "in_progress", errorMessage: null });

    await fixture.opened.store.setSyncStatus([{ symbol: "XAUUSD", status: "success", error: null }]);
    const [after] = await fixture.opened.store.loadAssetStates(["XAUUSD"]);
    expect(after).toMatchObject({ syncStatus: "success", errorMessage: null });
    expect(await sql("SELECT count(*) AS n FROM data_sources.data_sync_status")).toEqual([{ n: "2" }]);
  });

  it("loadAssetStates returns the latest price and sync state of the requested active symbols", async () => {
    await fixture.opened.store.saveSnapshots([gold(), makeSnapshot("USDCAD", AT, 1.4)]);
    await sql("UPDATE trading.symbols SET is_active = false WHERE symbol = 'USDCAD'");

    const states = await fixture.opened.store.loadAssetStates(["XAUUSD", "USDCAD", "NOSUCH", "EURUSD"]);

    expect(states.map((s) => s.symbol)).toEqual(["EURUSD", "XAUUSD"]);
    expect(states[0]).toEqual({
      symbol: "EURUSD",
      latest: null,
      syncStatus: null,
      lastSyncAt: null,
      lastSuccessAt: null,
      errorMessage: null,
    });
    expect(states[1]).toMatchObject({
      symbol: "XAUUSD",
      latest: gold(),
      syncStatus: "success",
      errorMessage: null,
    });
  });

  it("records the last success apart from the last attempt: a failure keeps it", async () => {
    await fixture.opened.store.saveSnapshots([gold()]);
    await sql(`UPDATE data_sources.data_sync_status
                  SET last_success_at = last_success_at - interval '1 hour',
                      last_sync_timestamp = last_sync_timestamp - interval '1 hour'`);
    const [before] = await fixture.opened.store.loadAssetStates(["XAUUSD"]);
    expect(before?.lastSuccessAt).toEqual(before?.lastSyncAt);

    await fixture.opened.store.setSyncStatus([{ symbol: "XAUUSD", status: "failed", error: "HTTP 503" }]);
    const [failed] = await fixture.opened.store.loadAssetStates(["XAUUSD"]);
    expect(failed?.lastSuccessAt).toEqual(before?.lastSuccessAt);
    expect(failed?.lastSyncAt?.getTime()).toBeGreaterThan(before?.lastSuccessAt?.getTime() as number);

    await fixture.opened.store.setSyncStatus([{ symbol: "XAUUSD", status: "success", error: null }]);
    const [again] = await fixture.opened.store.loadAssetStates(["XAUUSD"]);
    expect(again?.lastSuccessAt).toEqual(again?.lastSyncAt);
  });

  it("markStale marks only successes older than the threshold, once, and returns their symbols", async () => {
    await fixture.opened.store.saveSnapshots([
      gold(),
      makeSnapshot("EURUSD", AT, 1.04),
      makeSnapshot("BTCUSD", AT, 9e4),
    ]);
    await fixture.opened.store.setSyncStatus([{ symbol: "GBPUSD", status: "pending", error: null }]);
    // XAUUSD and EURUSD last succeeded 20 minutes ago; EURUSD failed since. BTCUSD is fresh.
    await sql(`UPDATE data_sources.data_sync_status
                  SET last_success_at = now() - interval '20 minutes',
                      last_sync_timestamp = now() - interval '20 minutes'
                WHERE ticker_id IN (SELECT id FROM trading.symbols WHERE symbol IN ('XAUUSD', 'EURUSD', 'GBPUSD'))`);
    await fixture.opened.store.setSyncStatus([{ symbol: "EURUSD", status: "failed", error: "HTTP 503" }]);
    const [attempt] = await sql<{ at: Date }>(
      `SELECT last_sync_timestamp AS at FROM data_sources.data_sync_status st
         JOIN trading.symbols s ON s.id = st.ticker_id WHERE s.symbol = 'XAUUSD'`,
    );

    expect(await fixture.opened.store.markStale(900)).toEqual(["XAUUSD"]);
    expect(await fixture.opened.store.markStale(900)).toEqual([]);

    const states = await fixture.opened.store.loadAssetStates(["XAUUSD", "EURUSD", "BTCUSD", "GBPUSD"]);
    expect(states.map((s) => [s.symbol, s.syncStatus])).toEqual([
      ["BTCUSD", "success"],
      ["EURUSD", "failed"],
      ["XAUUSD", "stale"],
      ["GBPUSD", "pending"],
    ]);
    // Marking stale is not a sync attempt.
    expect(states[2]?.lastSyncAt).toEqual(attempt?.at);
    // A threshold below the fresh row's age catches it too.
    await sql("SELECT pg_sleep(0.02)");
    expect(await fixture.opened.store.markStale(0.01)).toEqual(["BTCUSD"]);

    await fixture.opened.store.saveSnapshots([gold()]);
    const [fresh] = await fixture.opened.store.loadAssetStates(["XAUUSD"]);
    expect(fresh).toMatchObject({ syncStatus: "success", errorMessage: null });
  });

  it("migration 0003 backfills the last success from successful rows and can run again", async () => {
    await fixture.opened.store.saveSnapshots([gold()]);
    await fixture.opened.store.setSyncStatus([{ symbol: "EURUSD", status: "failed", error: "HTTP 503" }]);
    await sql("UPDATE data_sources.data_sync_status SET last_success_at = NULL");

    const migration = await readFile(
      new URL("../../../src/store/migrations/0003_sync_last_success.sql", import.meta.url),
      "utf8",
    );
    await fixture.opened.pool.query(migration);

    const rows = await sql(`SELECT s.symbol, st.last_success_at = st.last_sync_timestamp AS backfilled
                              FROM data_sources.data_sync_status st
                              JOIN trading.symbols s ON s.id = st.ticker_id ORDER BY s.symbol`);
    expect(rows).toEqual([
      { symbol: "EURUSD", backfilled: null },
      { symbol: "XAUUSD", backfilled: true },
    ]);
  });

  it("loadAssetStates treats a last_update it cannot read as no price", async () => {
    await sql(
      `UPDATE trading.symbols SET metadata = '{"last_update": {"bid": "n/a"}}' WHERE symbol = 'XAUUSD'`,
    );
    const [state] = await fixture.opened.store.loadAssetStates(["XAUUSD"]);
    expect(state?.latest).toBeNull();
  });

  it("upsertCatalog adds and refreshes assets, keeps their prices, and becomes the default listing", async () => {
    await fixture.opened.store.saveSnapshots([gold()]);
    const nzd: AssetDefinition = {
      symbol: "NZDUSD",
      polygonTicker: "C:NZDUSD",
      assetType: "forex",
      name: "New Zealand Dollar / US Dollar",
      priority: 4,
      baseAsset: "NZD",
      quoteAsset: "USD",
      pricePrecision: 5,
    };
    const goldRenamed: AssetDefinition = {
      ...nzd,
      symbol: "XAUUSD",
      polygonTicker: "C:XAUUSD",
      name: "Gold",
      priority: 2,
    };

    // A store of its own: the catalog it remembers must not narrow the other tests' results.
    const store = new PostgresAssetStore(fixture.opened.pool);
    await store.upsertCatalog([goldRenamed, nzd]);

    const rows = await sql(`SELECT symbol, name, priority, base_asset, metadata ? 'last_update' AS priced
                              FROM trading.symbols WHERE symbol IN ('XAUUSD', 'NZDUSD') ORDER BY symbol`);
    expect(rows).toEqual([
      {
        symbol: "NZDUSD",
        name: "New Zealand Dollar / US Dollar",
        priority: 4,
        base_asset: "NZD",
        priced: false,
      },
      { symbol: "XAUUSD", name: "Gold", priority: 2, base_asset: "NZD", priced: true },
    ]);
    // Seeded rows outside the configured catalog stay in the table but are no longer listed.
    expect((await store.loadAssetStates()).map((s) => s.symbol)).toEqual(["XAUUSD", "NZDUSD"]);
    expect(await store.loadAssetStates(["BTCUSD"])).toHaveLength(1);
  });

  it("stays usable after a statement fails outside a transaction", async () => {
    // Guards the embedded pool: PGlite's adapter desynchronises if the failing client is destroyed.
    await expect(fixture.opened.pool.query("SELECT 1 / $1::int", [0])).rejects.toMatchObject({
      code: "22012",
    });
    const results = await Promise.all([
      sql("SELECT 5 AS x"),
      fixture.opened.store.loadAssetStates(["XAUUSD"]),
    ]);
    expect(results[0]).toEqual([{ x: 5 }]);
    expect(results[1].map((s) => s.symbol)).toEqual(["XAUUSD"]);
  });

  it("answers ping and returns int8 as a string, as node-postgres does", async () => {
    await expect(fixture.opened.store.ping()).resolves.toBeUndefined();
    expect(await sql("SELECT 9007199254740993::int8 AS big")).toEqual([{ big: "9007199254740993" }]);
  });
});
