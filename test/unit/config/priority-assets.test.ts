import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import {
  AssetCatalog,
  DEFAULT_ASSETS,
  loadAssetCatalog,
  parseAssetCatalog,
} from "../../../src/config/priority-assets.js";
import { AssetPriority } from "../../../src/models/batch.js";

const GOLD = {
  symbol: "XAUUSD",
  polygon_ticker: "C:XAUUSD",
  asset_type: "forex",
  priority: "CRITICAL",
  name: "Gold Spot / US Dollar",
  base_asset: "XAU",
  quote_asset: "USD",
  price_precision: 2,
};

describe("the built-in catalog", () => {
  const catalog = loadAssetCatalog(undefined);

  it("has the spec's 3 critical assets in batch order, then its 6 secondary ones", () => {
    expect(catalog.prioritySymbols()).toEqual(["XAUUSD", "EURUSD", "BTCUSD"]);
    expect(catalog.secondaryAssets().map((a) => [a.symbol, a.priority])).toEqual([
      ["ETHUSDT", AssetPriority.HIGH],
      ["GBPUSD", AssetPriority.HIGH],
      ["USDJPY", AssetPriority.HIGH],
      ["XAGUSD", AssetPriority.MEDIUM],
      ["AUDUSD", AssetPriority.MEDIUM],
      ["USDCAD", AssetPriority.MEDIUM],
    ]);
    expect(catalog.all()).toHaveLength(9);
  });

  it("carries the spec's fields for the critical assets", () => {
    expect(catalog.get("EURUSD")).toEqual({
      symbol: "EURUSD",
      polygonTicker: "C:EURUSD",
      assetType: "forex",
      name: "Euro / US Dollar",
      priority: AssetPriority.CRITICAL,
      baseAsset: "EUR",
      quoteAsset: "USD",
      pricePrecision: 5,
    });
    expect(catalog.get("BTCUSD")).toMatchObject({
      polygonTicker: "X:BTCUSD",
      assetType: "crypto",
      pricePrecision: 2,
    });
  });

  it("looks symbols up exactly", () => {
    expect(catalog.get("xauusd")).toBeUndefined();
    expect(catalog.get("XAUUSD ")).toBeUndefined();
  });

  it("is valid by its own file rules", () => {
    const asJson = DEFAULT_ASSETS.map((a) => ({
      symbol: a.symbol,
      polygon_ticker: a.polygonTicker,
      asset_type: a.assetType,
      priority: a.priority,
      name: a.name,
      base_asset: a.baseAsset,
      quote_asset: a.quoteAsset,
      price_precision: a.pricePrecision,
    }));
    expect(parseAssetCatalog(asJson, "built-in")).toEqual(DEFAULT_ASSETS);
  });

  it("refuses duplicate symbols when built directly", () => {
    const [gold] = DEFAULT_ASSETS;
    expect(() => new AssetCatalog(gold ? [gold, gold] : [])).toThrow(/duplicate/);
  });
});

describe("parseAssetCatalog", () => {
  it("accepts a priority by name or by number", () => {
    const parsed = parseAssetCatalog(
      [GOLD, { ...GOLD, symbol: "XAGUSD", polygon_ticker: "C:XAGUSD", priority: 3 }],
      "f",
    );
    expect(parsed.map((a) => a.priority)).toEqual([AssetPriority.CRITICAL, AssetPriority.MEDIUM]);
  });

  it.each([
    ["not an array", { assets: [] }, /f: expected a non-empty JSON array/],
    ["an empty array", [], /f: expected a non-empty JSON array/],
    [
      "an entry that is not an object",
      [GOLD, "EURUSD"],
      /f: entry 1: expected an object with the fields symbol, /,
    ],
    [
      "a missing symbol",
      [{ ...GOLD, symbol: undefined }],
      /f: entry 0: field "symbol" must be 2 to 20 upper-case/,
    ],
    [
      "a lower-case symbol",
      [{ ...GOLD, symbol: "xauusd" }],
      /entry 0: field "symbol" must be .* \(got "xauusd"\)/,
    ],
    [
      "a bad asset type",
      [{ ...GOLD, asset_type: "stock" }],
      /entry 0: field "asset_type" must be one of forex, crypto/,
    ],
    [
      "a ticker of the wrong class",
      [{ ...GOLD, polygon_ticker: "X:XAUUSD" }],
      /entry 0: field "polygon_ticker" must be a forex ticker like "C:XAUUSD" \(got "X:XAUUSD"\)/,
    ],
    [
      "an unknown priority",
      [{ ...GOLD, priority: "URGENT" }],
      /entry 0: field "priority" must be one of CRITICAL, HIGH, MEDIUM, LOW or 1, 2, 3, 4 \(got "URGENT"\)/,
    ],
    ["priority 0", [{ ...GOLD, priority: 0 }], /field "priority" must be/],
    ["an empty name", [{ ...GOLD, name: " " }], /entry 0: field "name" must be a non-empty string/],
    ["a missing quote asset", [{ ...GOLD, quote_asset: undefined }], /entry 0: field "quote_asset" must be/],
    [
      "a fractional precision",
      [{ ...GOLD, price_precision: 2.5 }],
      /field "price_precision" must be an integer from 0 to 10/,
    ],
    [
      "a camelCase field",
      [{ ...GOLD, polygonTicker: "C:XAUUSD" }],
      /entry 0: unknown field "polygonTicker" \(accepted: /,
    ],
    ["a duplicate symbol", [GOLD, GOLD], /f: entry 1: field "symbol": duplicate symbol XAUUSD/],
  ])("rejects %s, naming the file, the entry and the field", (_case, json, message) => {
    expect(() => parseAssetCatalog(json, "f")).toThrow(message);
  });
});

describe("loadAssetCatalog", () => {
  const dir = mkdtempSync(join(tmpdir(), "assets-"));

  it("reads a catalog file", () => {
    const path = join(dir, "ok.json");
    writeFileSync(
      path,
      JSON.stringify([GOLD, { ...GOLD, symbol: "GBPUSD", polygon_ticker: "C:GBPUSD", priority: "HIGH" }]),
    );
    const catalog = loadAssetCatalog(path);
    expect(catalog.prioritySymbols()).toEqual(["XAUUSD"]);
    expect(catalog.secondaryAssets().map((a) => a.symbol)).toEqual(["GBPUSD"]);
  });

  it("names the variable and the file when the file is missing or not JSON", () => {
    const missing = join(dir, "missing.json");
    expect(() => loadAssetCatalog(missing)).toThrow(`ASSETS_FILE ${missing}: cannot read the file`);
    const broken = join(dir, "broken.json");
    writeFileSync(broken, "[{");
    expect(() => loadAssetCatalog(broken)).toThrow(`ASSETS_FILE ${broken}: not valid JSON`);
  });

  it("names the file in validation errors", () => {
    const path = join(dir, "bad.json");
    writeFileSync(path, JSON.stringify([{ ...GOLD, price_precision: -1 }]));
    expect(() => loadAssetCatalog(path)).toThrow(`ASSETS_FILE ${path}: entry 0: field "price_precision"`);
  });
});
