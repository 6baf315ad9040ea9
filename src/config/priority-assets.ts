/**
 * The asset catalog (ET-DATA-001 §3.2): the critical assets updated by every priority batch and
 * the secondary assets fed through the queue. Built in, or read from the JSON file at ASSETS_FILE.
 */
import { readFileSync } from "node:fs";
import {
  ASSET_PRIORITY_NAMES,
  ASSET_TYPES,
  type AssetDefinition,
  AssetPriority,
  type AssetPriorityName,
  type AssetType,
} from "../models/batch.js";

/** The spec's catalog: 3 critical assets, then 6 secondary ones. */
export const DEFAULT_ASSETS: readonly AssetDefinition[] = [
  asset("XAUUSD", "C:XAUUSD", "forex", "Gold Spot / US Dollar", "CRITICAL", "XAU", "USD", 2),
  asset("EURUSD", "C:EURUSD", "forex", "Euro / US Dollar", "CRITICAL", "EUR", "USD", 5),
  asset("BTCUSD", "X:BTCUSD", "crypto", "Bitcoin / US Dollar", "CRITICAL", "BTC", "USD", 2),
  asset("ETHUSDT", "X:ETHUSDT", "crypto", "Ether / Tether", "HIGH", "ETH", "USDT", 2),
  asset("GBPUSD", "C:GBPUSD", "forex", "British Pound / US Dollar", "HIGH", "GBP", "USD", 5),
  asset("USDJPY", "C:USDJPY", "forex", "US Dollar / Japanese Yen", "HIGH", "USD", "JPY", 3),
  asset("XAGUSD", "C:XAGUSD", "forex", "Silver Spot / US Dollar", "MEDIUM", "XAG", "USD", 3),
  asset("AUDUSD", "C:AUDUSD", "forex", "Australian Dollar / US Dollar", "MEDIUM", "AUD", "USD", 5),
  asset("USDCAD", "C:USDCAD", "forex", "US Dollar / Canadian Dollar", "MEDIUM", "USD", "CAD", 5),
];

function asset(
  symbol: string,
  polygonTicker: string,
  assetType: AssetType,
  name: string,
  priority: AssetPriorityName,
  baseAsset: string,
  quoteAsset: string,
  pricePrecision: number,
): AssetDefinition {
  return {
    symbol,
    polygonTicker,
    assetType,
    name,
    priority: AssetPriority[priority],
    baseAsset,
    quoteAsset,
    pricePrecision,
  };
}

/** Read-only view of the configured assets. */
export class AssetCatalog {
  private readonly assets: readonly AssetDefinition[];
  private readonly bySymbol: ReadonlyMap<string, AssetDefinition>;

  constructor(assets: readonly AssetDefinition[]) {
    this.assets = Object.freeze(assets.map((a) => Object.freeze({ ...a })));
    this.bySymbol = new Map(this.assets.map((a) => [a.symbol, a]));
    if (this.bySymbol.size !== this.assets.length) throw new Error("asset catalog has duplicate symbols");
  }

  all(): readonly AssetDefinition[] {
    return this.assets;
  }

  /** The CRITICAL assets, in catalog order: the priority batch updates exactly these. */
  priorityAssets(): AssetDefinition[] {
    return this.assets.filter((a) => a.priority === AssetPriority.CRITICAL);
  }

  secondaryAssets(): AssetDefinition[] {
    return this.assets.filter((a) => a.priority !== AssetPriority.CRITICAL);
  }

  /** Exact, case-sensitive lookup. */
  get(symbol: string): AssetDefinition | undefined {
    return this.bySymbol.get(symbol);
  }

  prioritySymbols(): string[] {
    return this.priorityAssets().map((a) => a.symbol);
  }
}

/** The built-in catalog when `path` is unset, otherwise the validated JSON file at `path`. */
export function loadAssetCatalog(path: string | undefined): AssetCatalog {
  if (path === undefined) return new AssetCatalog(DEFAULT_ASSETS);
  const source = `ASSETS_FILE ${path}`;
  let text: string;
  try {
    text = readFileSync(path, "utf8");
  } catch (error) {
    throw new Error(`${source}: cannot read the file (${errorText(error)})`);
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (error) {
    throw new Error(`${source}: not valid JSON (${errorText(error)})`);
  }
  return new AssetCatalog(parseAssetCatalog(json, source));
}

/**
 * Validates an asset catalog file. The accepted shape is a JSON array of entries with exactly
 * these snake_case fields, as in the spec:
 *
 *   [{ "symbol": "XAUUSD", "polygon_ticker": "C:XAUUSD", "asset_type": "forex",
 *      "priority": "CRITICAL", "name": "Gold Spot / US Dollar",
 *      "base_asset": "XAU", "quote_asset": "USD", "price_precision": 2 }]
 *
 * `priority` is a name (CRITICAL, HIGH, MEDIUM, LOW) or its number (1..4); CRITICAL assets form
 * the priority batch. Forex tickers start with "C:", crypto tickers with "X:". Unknown fields are
 * rejected so a misspelt field fails loudly instead of being ignored.
 */
export function parseAssetCatalog(json: unknown, source: string): AssetDefinition[] {
  if (!Array.isArray(json) || json.length === 0) {
    throw new Error(`${source}: expected a non-empty JSON array of asset entries`);
  }
  const seen = new Set<string>();
  return json.map((entry: unknown, index) => {
    const where = `${source}: entry ${index}`;
    if (typeof entry !== "object" || entry === null || Array.isArray(entry)) {
      throw new Error(`${where}: expected an object with the fields ${ENTRY_FIELDS.join(", ")}`);
    }
    const parsed = parseEntry(entry as Record<string, unknown>, where);
    if (seen.has(parsed.symbol))
      throw new Error(`${where}: field "symbol": duplicate symbol ${parsed.symbol}`);
    seen.add(parsed.symbol);
    return parsed;
  });
}

const ENTRY_FIELDS = [
  "symbol",
  "polygon_ticker",
  "asset_type",
  "priority",
  "name",
  "base_asset",
  "quote_asset",
  "price_precision",
] as const;

// Upper-case letters and digits: symbols end up in Redis channel names and gRPC requests.
const SYMBOL_PATTERN = /^[A-Z0-9]{2,20}$/;
const TICKER_PREFIX: Record<AssetType, string> = { forex: "C:", crypto: "X:" };
const MAX_PRECISION = 10;

function parseEntry(entry: Record<string, unknown>, where: string): AssetDefinition {
  const unknownField = Object.keys(entry).find((key) => !(ENTRY_FIELDS as readonly string[]).includes(key));
  if (unknownField !== undefined) {
    throw new Error(`${where}: unknown field "${unknownField}" (accepted: ${ENTRY_FIELDS.join(", ")})`);
  }
  const fail = (field: string, accepts: string): never => {
    throw new Error(`${where}: field "${field}" must be ${accepts} (got ${JSON.stringify(entry[field])})`);
  };
  const text = (field: (typeof ENTRY_FIELDS)[number], pattern?: RegExp, accepts = "a non-empty string") => {
    const value = entry[field];
    if (typeof value !== "string" || value.trim() === "" || (pattern && !pattern.test(value))) {
      return fail(field, accepts);
    }
    return value;
  };

  const symbol = text("symbol", SYMBOL_PATTERN, "2 to 20 upper-case letters or digits, e.g. XAUUSD");
  const assetType = entry.asset_type;
  if (!ASSET_TYPES.includes(assetType as AssetType)) fail("asset_type", `one of ${ASSET_TYPES.join(", ")}`);
  const type = assetType as AssetType;
  const prefix = TICKER_PREFIX[type];
  const tickerPattern = new RegExp(`^${prefix}[A-Z0-9]{2,20}$`);
  const polygonTicker = text("polygon_ticker", tickerPattern, `a ${type} ticker like "${prefix}${symbol}"`);
  const priority = parsePriority(entry.priority) ?? fail("priority", priorityAccepts());
  const name = text("name");
  const baseAsset = text("base_asset", SYMBOL_PATTERN, "2 to 20 upper-case letters or digits, e.g. XAU");
  const quoteAsset = text("quote_asset", SYMBOL_PATTERN, "2 to 20 upper-case letters or digits, e.g. USD");
  const precision = entry.price_precision;
  if (!Number.isInteger(precision) || (precision as number) < 0 || (precision as number) > MAX_PRECISION) {
    fail("price_precision", `an integer from 0 to ${MAX_PRECISION}`);
  }
  return {
    symbol,
    polygonTicker,
    assetType: type,
    name,
    priority,
    baseAsset,
    quoteAsset,
    pricePrecision: precision as number,
  };
}

function parsePriority(value: unknown): AssetPriority | undefined {
  if (typeof value === "string" && (ASSET_PRIORITY_NAMES as readonly string[]).includes(value)) {
    return AssetPriority[value as AssetPriorityName];
  }
  if (typeof value === "number") return Object.values(AssetPriority).find((p) => p === value);
  return undefined;
}

function priorityAccepts(): string {
  const numbers = ASSET_PRIORITY_NAMES.map((name) => `${AssetPriority[name]}`).join(", ");
  return `one of ${ASSET_PRIORITY_NAMES.join(", ")} or ${numbers}`;
}

function errorText(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
