import { readFile } from "node:fs/promises";
import { beforeEach, describe, expect, it, vi } from "vitest";
import type { AssetSnapshot } from "../../../src/models/batch.js";
import { PostgresAssetStore } from "../../../src/store/postgres-asset-store.js";
import { makeSnapshot } from "../../support/fakes.js";
import { STORE_BACKENDS, useStoreBackend } from "./backends.js";

const DAY = 86_400_000;
const NOW = Date.parse("2026-03-01T12:00:00.000Z");
const AT = Date.parse("2026-01-02T03:04:05.678Z");

function gold(overrides: Partial<AssetSnapshot> = {}): AssetSnapshot {
  return {
    ...makeSnapshot("XAUUSD", AT, 2650.3),
    dailyOpen: 2640,
    dailyHigh: 2660.25,
    dailyLow: 2631.5,
    dailyClose: 2648.1,
    dailyVolume: 18_250.75,
    ...overrides,
  };
}

describe.each(STORE_BACKENDS)("price history on $name", (backend) => {
  const fixture = useStoreBackend(backend);
  const sql = fixture.sql;
  beforeEach(() => {
    vi.restoreAllMocks();
  });

  /** History rows in insertion order, without id and received_at. */
  async function history(symbol?: string): Promise<Record<string, unknown>[]> {
    return sql(
      `SELECT s.symbol, p.bid, p.ask, p.spread, p.last_price, p.daily_open, p.daily_high, p.daily_low,
              p.daily_close, p.daily_volume, p.provider_ts, p.source
         FROM trading.price_snapshots p JOIN trading.symbols s ON s.id = p.symbol_id
        WHERE $1::text IS NULL OR s.symbol = $1
        ORDER BY p.id`,
      [symbol ?? null],
    );
  }

  /** Stores one snapshot per (symbol, days before NOW), oldest first, one save each. */
  async function storeAges(ages: Record<string, number[]>): Promise<void> {
    for (const [symbol, days] of Object.entries(ages)) {
      for (const age of [...days].sort((a, b) => b - a)) {
        await fixture.opened.store.saveSnapshots([makeSnapshot(symbol, NOW - age * DAY, 100 + age)]);
      }
    }
  }

  async function agesLeft(): Promise<Record<string, number[]>> {
    const rows = await sql<{ symbol: string; age: number }>(
      `SELECT s.symbol, round(extract(epoch FROM $1::timestamptz - p.provider_ts) / 86400, 3)::float8 AS age
         FROM trading.price_snapshots p JOIN trading.symbols s ON s.id = p.symbol_id
        ORDER BY s.symbol, p.provider_ts`,
      [new Date(NOW).toISOString()],
    );
    const left: Record<string, number[]> = {};
    for (const { symbol, age } of rows) left[symbol] = [...(left[symbol] ?? []), age];
    return left;
  }

  it("saveSnapshots stores a batch in one statement: the spec's metadata, one history row each, SUCCESS", async () => {
    const query = vi.spyOn(fixture.opened.pool, "query");
    const eur = makeSnapshot("EURUSD", AT + 1, 1.04);
    await fixture.opened.store.saveSnapshots([gold(), eur, makeSnapshot("NOSUCH", AT, 1)]);
    expect(query).toHaveBeenCalledTimes(1);
    query.mockRestore();

    const metadata = await sql(
      "SELECT symbol, metadata FROM trading.symbols WHERE symbol IN ('XAUUSD', 'EURUSD') ORDER BY symbol",
    );
    expect(metadata).toEqual([
      {
        symbol: "EURUSD",
        metadata: {
          last_update: {
            bid: 0.54,
            ask: 1.54,
            spread: 1,
            last_price: 1.04,
            daily_open: null,
            daily_high: null,
            daily_low: null,
            daily_close: null,
            timestamp: "2026-01-02T03:04:05.679Z",
            source: "polygon",
          },
        },
      },
      {
        symbol: "XAUUSD",
        // The spec's last_update: no daily volume (the history keeps it).
        metadata: {
          last_update: {
            bid: 2649.8,
            ask: 2650.8,
            spread: 1,
            last_price: 2650.3,
            daily_open: 2640,
            daily_high: 2660.25,
            daily_low: 2631.5,
            daily_close: 2648.1,
            timestamp: "2026-01-02T03:04:05.678Z",
            source: "polygon",
          },
        },
      },
    ]);
    // The unknown symbol is skipped by all three writes.
    expect(await history()).toEqual([
      {
        symbol: "XAUUSD",
        bid: 2649.8,
        ask: 2650.8,
        spread: 1,
        last_price: 2650.3,
        daily_open: 2640,
        daily_high: 2660.25,
        daily_low: 2631.5,
        daily_close: 2648.1,
        daily_volume: 18_250.75,
        provider_ts: new Date(AT),
        source: "polygon",
      },
      {
        symbol: "EURUSD",
        bid: 0.54,
        ask: 1.54,
        spread: 1,
        last_price: 1.04,
        daily_open: null,
        daily_high: null,
        daily_low: null,
        daily_close: null,
        daily_volume: null,
        provider_ts: new Date(AT + 1),
        source: "polygon",
      },
    ]);
    const received = await sql(
      "SELECT bool_and(received_at BETWEEN now() - interval '1 minute' AND now()) AS recent FROM trading.price_snapshots",
    );
    expect(received).toEqual([{ recent: true }]);
    const sync = await sql(`SELECT s.symbol, st.sync_status, st.error_message,
                                   st.last_success_at = st.last_sync_timestamp AS succeeded_now
                              FROM data_sources.data_sync_status st JOIN trading.symbols s ON s.id = st.ticker_id
                             ORDER BY s.symbol`);
    expect(sync).toEqual([
      { symbol: "EURUSD", sync_status: "success", error_message: null, succeeded_now: true },
      { symbol: "XAUUSD", sync_status: "success", error_message: null, succeeded_now: true },
    ]);
  });

  it("each save appends to the history and rewrites nothing", async () => {
    for (const [i, price] of [2650, 2651.5, 2649.25].entries()) {
      await fixture.opened.store.saveSnapshots([
        gold({ lastPrice: price, timestamp: new Date(AT + i * 1000) }),
      ]);
    }
    const rows = await history("XAUUSD");
    expect(rows.map((r) => [r.last_price, (r.provider_ts as Date).getTime()])).toEqual([
      [2650, AT],
      [2651.5, AT + 1000],
      [2649.25, AT + 2000],
    ]);
  });

  it("loadAssetStates reads the latest price from the history, daily volume included", async () => {
    await fixture.opened.store.saveSnapshots([gold({ lastPrice: 2600, timestamp: new Date(AT - 60_000) })]);
    await fixture.opened.store.saveSnapshots([gold()]);
    // Another writer changes metadata: the history still decides.
    await sql(`UPDATE trading.symbols
                  SET metadata = jsonb_set(metadata, '{last_update,last_price}', '1')
                WHERE symbol = 'XAUUSD'`);

    const [state] = await fixture.opened.store.loadAssetStates(["XAUUSD"]);
    expect(state?.latest).toEqual(gold());
  });

  it("the latest is the newest provider time (ties: the later save), not the last save", async () => {
    await fixture.opened.store.saveSnapshots([gold({ lastPrice: 2, timestamp: new Date(AT + 1000) })]);
    // Arrives late (a slow replica, a retried fetch): appended, but not the latest.
    await fixture.opened.store.saveSnapshots([gold({ lastPrice: 1, timestamp: new Date(AT) })]);
    const [afterLate] = await fixture.opened.store.loadAssetStates(["XAUUSD"]);
    expect(afterLate?.latest).toMatchObject({ lastPrice: 2, timestamp: new Date(AT + 1000) });

    await fixture.opened.store.saveSnapshots([gold({ lastPrice: 3, timestamp: new Date(AT + 1000) })]);
    const [afterTie] = await fixture.opened.store.loadAssetStates(["XAUUSD"]);
    expect(afterTie?.latest).toMatchObject({ lastPrice: 3, timestamp: new Date(AT + 1000) });
    expect(await history("XAUUSD")).toHaveLength(3);
  });

  it("a symbol without history falls back to metadata.last_update (older rows, other writers)", async () => {
    await sql(`UPDATE trading.symbols
                  SET metadata = '{"last_update": {"bid": 1.1, "ask": 1.3, "spread": 0.2, "last_price": 1.2,
                                                   "timestamp": "2025-12-31T23:59:59.000Z", "source": "python"}}'
                WHERE symbol = 'EURUSD'`);
    await fixture.opened.store.saveSnapshots([gold()]);

    const [eur, xau] = await fixture.opened.store.loadAssetStates(["XAUUSD", "EURUSD"]);
    expect(eur?.latest).toEqual({
      symbol: "EURUSD",
      bid: 1.1,
      ask: 1.3,
      spread: 0.2,
      lastPrice: 1.2,
      dailyOpen: null,
      dailyHigh: null,
      dailyLow: null,
      dailyClose: null,
      dailyVolume: null,
      timestamp: new Date("2025-12-31T23:59:59.000Z"),
      source: "python",
    });
    expect(xau?.latest).toEqual(gold());
  });

  it("pruneHistory deletes rows older than the retention in chunks, keeping each symbol's latest", async () => {
    await storeAges({
      XAUUSD: [40, 35, 31, 30, 29, 1],
      // Every row is old: the newest stays, it is the symbol's current price.
      EURUSD: [60, 45],
      BTCUSD: [10],
    });
    const store = new PostgresAssetStore(fixture.opened.pool, {
      historyRetentionDays: 30,
      pruneChunkRows: 2,
    });
    const query = vi.spyOn(fixture.opened.pool, "query");

    expect(await store.pruneHistory(new Date(NOW))).toBe(4);
    // 2 + 2 + 0: one statement per chunk, until a chunk comes back short.
    expect(query).toHaveBeenCalledTimes(3);
    query.mockRestore();

    // Exactly 30 days old is not older than the retention.
    expect(await agesLeft()).toEqual({ BTCUSD: [10], EURUSD: [45], XAUUSD: [30, 29, 1] });
    expect(await store.pruneHistory(new Date(NOW))).toBe(0);
    const [eur] = await fixture.opened.store.loadAssetStates(["EURUSD"]);
    expect(eur?.latest).toMatchObject({ lastPrice: 145, timestamp: new Date(NOW - 45 * DAY) });
  });

  it("pruneHistory with a retention of 0 keeps everything and sends nothing", async () => {
    await storeAges({ XAUUSD: [3650, 400, 1] });
    const store = new PostgresAssetStore(fixture.opened.pool, { historyRetentionDays: 0 });
    const query = vi.spyOn(fixture.opened.pool, "query");
    expect(await store.pruneHistory(new Date(NOW))).toBe(0);
    expect(query).not.toHaveBeenCalled();
    query.mockRestore();
    expect(await agesLeft()).toEqual({ XAUUSD: [3650, 400, 1] });
  });

  it("a symbol deleted from the catalog takes its history with it", async () => {
    await fixture.opened.store.saveSnapshots([gold(), makeSnapshot("EURUSD", AT, 1.04)]);
    await sql("DELETE FROM trading.symbols WHERE symbol = 'XAUUSD'");
    expect((await history()).map((r) => r.symbol)).toEqual(["EURUSD"]);
    // Put the seeded row back for the other tests.
    await sql(`INSERT INTO trading.symbols
                 (symbol, name, asset_type, base_asset, quote_asset, price_precision, polygon_ticker, priority)
               VALUES ('XAUUSD', 'Gold Spot / US Dollar', 'forex', 'XAU', 'USD', 2, 'C:XAUUSD', 1)`);
  });

  it("migration 0004 can run again", async () => {
    await fixture.opened.store.saveSnapshots([gold()]);
    const migration = await readFile(
      new URL("../../../src/store/migrations/0004_price_snapshots.sql", import.meta.url),
      "utf8",
    );
    await fixture.opened.pool.query(migration);
    expect(await history()).toHaveLength(1);
  });

  it("refuses a negative retention or an empty chunk", () => {
    expect(() => new PostgresAssetStore(fixture.opened.pool, { historyRetentionDays: -1 })).toThrow(
      RangeError,
    );
    expect(() => new PostgresAssetStore(fixture.opened.pool, { historyRetentionDays: 1.5 })).toThrow(
      RangeError,
    );
    expect(() => new PostgresAssetStore(fixture.opened.pool, { pruneChunkRows: 0 })).toThrow(RangeError);
  });
});
