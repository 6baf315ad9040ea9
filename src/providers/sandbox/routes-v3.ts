/**
 * `/v3/snapshot`, the universal snapshot (reference/polygon-api.md §2, §3.5): `ticker.any_of`
 * (max 250) or `ticker`, `type` (`fx`, `crypto`, ...), `order`, `limit` (default 10, 1–250) and
 * cursor pagination through `next_url`, which carries the whole query and never the key.
 */
import { findInstrument, INSTRUMENTS, type Instrument } from "./instruments.js";
import {
  errorResponse,
  type SandboxResponse,
  type UniversalEntry,
  universalSnapshotResponse,
} from "./responses.js";
import type { RouteContext } from "./routes.js";

export const V3_MAX_ANY_OF = 250;
export const V3_MAX_LIMIT = 250;
export const V3_DEFAULT_LIMIT = 10;

/** A v3 query as the cursor carries it. */
interface V3Query {
  /** Requested tickers in order, or null for every instrument. */
  anyOf: string[] | null;
  type: string | null;
  order: "asc" | "desc";
  limit: number;
  offset: number;
}

/** The v3 `type` of each asset class. */
const V3_TYPE = { forex: "fx", crypto: "crypto" } as const;

/** The tickers a request is about (null: all), for fault matching. */
export function universalTickers(url: URL): readonly string[] | null {
  const query = readQuery(url);
  return typeof query === "string" ? null : query.anyOf;
}

export function universalSnapshot(context: RouteContext): SandboxResponse {
  const { requestId, at, market, url, baseUrl, maxV3PageSize, adjust } = context;
  const query = readQuery(url);
  if (typeof query === "string") return errorResponse(400, requestId, query);

  const entries = listEntries(query);
  const pageSize = Math.min(query.limit, maxV3PageSize);
  const page = entries.slice(query.offset, query.offset + pageSize);
  const nextOffset = query.offset + page.length;
  const nextUrl =
    nextOffset < entries.length
      ? `${baseUrl}/v3/snapshot?cursor=${encodeCursor({ ...query, offset: nextOffset })}`
      : undefined;
  const served: UniversalEntry[] = page.map((entry) =>
    typeof entry === "string" ? { unknownTicker: entry } : { tick: adjust(market.tick(entry, at)) },
  );
  return universalSnapshotResponse(served, requestId, nextUrl);
}

/** Every result of the query: an instrument, or the ticker of a NOT_FOUND item. */
function listEntries(query: V3Query): Array<Instrument | string> {
  const typeMatches = (instrument: Instrument): boolean =>
    query.type === null || V3_TYPE[instrument.assetClass] === query.type;
  if (query.anyOf !== null) {
    return query.anyOf.flatMap((ticker): Array<Instrument | string> => {
      const instrument = findInstrument(ticker);
      if (!instrument) return [ticker];
      return typeMatches(instrument) ? [instrument] : [];
    });
  }
  const all = INSTRUMENTS.filter(typeMatches).sort((a, b) => a.ticker.localeCompare(b.ticker));
  return query.order === "desc" ? all.reverse() : all;
}

/** The query of a first page, or of the cursor of a later one; a string is a 400 reason. */
function readQuery(url: URL): V3Query | string {
  const cursor = url.searchParams.get("cursor");
  if (cursor !== null) return decodeCursor(cursor) ?? "Invalid cursor.";

  const params = url.searchParams;
  const listed = [...params.getAll("ticker.any_of"), ...params.getAll("ticker")]
    .flatMap((value) => value.split(","))
    .filter((ticker) => ticker !== "");
  const anyOf = listed.length === 0 ? null : [...new Set(listed)];
  // Live text unverified; the 400 ERROR shape is the live one (§5).
  if (anyOf !== null && anyOf.length > V3_MAX_ANY_OF) {
    return `ticker.any_of may list at most ${V3_MAX_ANY_OF} tickers, got ${anyOf.length}.`;
  }
  const rawLimit = params.get("limit");
  const limit = rawLimit === null ? V3_DEFAULT_LIMIT : Number(rawLimit);
  if (!(Number.isInteger(limit) && limit >= 1 && limit <= V3_MAX_LIMIT)) {
    return `limit must be an integer from 1 to ${V3_MAX_LIMIT}, got ${JSON.stringify(rawLimit)}.`;
  }
  const order = params.get("order") === "desc" ? "desc" : "asc";
  return { anyOf, type: params.get("type"), order, limit, offset: 0 };
}

function encodeCursor(query: V3Query): string {
  return Buffer.from(JSON.stringify(query)).toString("base64url");
}

function decodeCursor(cursor: string): V3Query | undefined {
  try {
    const value: unknown = JSON.parse(Buffer.from(cursor, "base64url").toString("utf8"));
    if (typeof value !== "object" || value === null) return undefined;
    const query = value as Partial<V3Query>;
    const valid =
      (query.anyOf === null ||
        (Array.isArray(query.anyOf) && query.anyOf.every((t) => typeof t === "string"))) &&
      (query.type === null || typeof query.type === "string") &&
      (query.order === "asc" || query.order === "desc") &&
      Number.isInteger(query.limit) &&
      Number.isInteger(query.offset) &&
      (query.offset as number) >= 0;
    return valid ? (query as V3Query) : undefined;
  } catch {
    return undefined;
  }
}
