/**
 * MarketDataProvider over the Polygon (Massive) REST API. Every HTTP request first spends one token
 * of the key's call budget; the key travels only in the Authorization header, so it never shows up
 * in a URL, a log line or an error message.
 */
import { Agent, type Dispatcher, request } from "undici";
import type { AssetRef } from "../models/batch.js";
import { ProviderError } from "../models/errors.js";
import type {
  CallBudget,
  FetchOptions,
  Logger,
  MarketDataProvider,
  SnapshotOutcome,
} from "../services/ports.js";
import { parseJsonBody, providerErrorFromResponse, providerErrorFromTransport } from "./polygon-errors.js";
import { parseSingleSnapshot } from "./polygon-parse.js";

export interface PolygonClientOptions {
  /** e.g. `https://api.massive.com`; a path prefix is kept. */
  baseUrl: string;
  apiKey: string;
  budget: CallBudget;
  /** Connection pool to use; by default the client creates (and closes) its own Agent. */
  dispatcher?: Dispatcher;
  /** Connect timeout of the default Agent. Default 5000. */
  connectTimeoutMs?: number;
  /**
   * Limit on waiting for the response headers, and again for the body. Default 10000. Undici
   * checks it about once a second, so a small value fires up to a second late.
   */
  requestTimeoutMs?: number;
  logger?: Logger;
}

/** A GET that produced a JSON body, or the provider error that stands for the asset. */
type JsonResult = { ok: true; body: unknown } | { ok: false; error: ProviderError };

const SNAPSHOT_PATH_PREFIX = "/v2/snapshot/locale/global/markets";
const REDACTED = "[redacted]";

export class PolygonClient implements MarketDataProvider {
  readonly #baseUrl: string;
  readonly #apiKey: string;
  readonly #budget: CallBudget;
  readonly #dispatcher: Dispatcher;
  readonly #ownsDispatcher: boolean;
  readonly #requestTimeoutMs: number;
  readonly #logger: Logger | undefined;

  constructor(options: PolygonClientOptions) {
    // Fails at start on a malformed POLYGON_BASE_URL rather than on the first batch.
    if (!URL.canParse(options.baseUrl)) throw new Error(`invalid Polygon base URL: ${options.baseUrl}`);
    // An empty key would also make the redaction below rewrite every body.
    if (options.apiKey === "") throw new Error("Polygon API key is empty");
    this.#baseUrl = options.baseUrl.replace(/\/+$/, "");
    this.#apiKey = options.apiKey;
    this.#budget = options.budget;
    this.#ownsDispatcher = options.dispatcher === undefined;
    this.#dispatcher =
      options.dispatcher ?? new Agent({ connect: { timeout: options.connectTimeoutMs ?? 5000 } });
    this.#requestTimeoutMs = options.requestTimeoutMs ?? 10_000;
    this.#logger = options.logger;
  }

  /** Mode `single`: one sequential GET per asset, as the spec's poller does. */
  async fetchSnapshots(assets: readonly AssetRef[], options: FetchOptions): Promise<SnapshotOutcome[]> {
    const outcomes: SnapshotOutcome[] = [];
    for (const asset of assets) {
      options.signal?.throwIfAborted();
      outcomes.push(await this.#fetchSingle(asset, options));
    }
    return outcomes;
  }

  /** Closes the connection pool if the client created it; an injected dispatcher is the caller's. */
  async close(): Promise<void> {
    if (this.#ownsDispatcher) await this.#dispatcher.close();
  }

  async #fetchSingle(asset: AssetRef, options: FetchOptions): Promise<SnapshotOutcome> {
    const result = await this.#getJson(singleSnapshotPath(asset), asset.polygonTicker, options);
    if (!result.ok) return { symbol: asset.symbol, ok: false, error: result.error };
    try {
      return { symbol: asset.symbol, ok: true, snapshot: parseSingleSnapshot(result.body, asset) };
    } catch (error) {
      if (error instanceof ProviderError) return { symbol: asset.symbol, ok: false, error };
      throw error;
    }
  }

  /**
   * Spends a budget token, then GETs `path`. Resolves with a provider error for anything but a
   * 200 with a JSON body; rejects only when the signal aborts.
   */
  async #getJson(path: string, ticker: string, options: FetchOptions): Promise<JsonResult> {
    const { signal, usage } = options;
    const budgetError = await this.#acquireBudget(options);
    if (budgetError) return { ok: false, error: budgetError };
    usage.calls += 1;

    const startedAt = performance.now();
    let statusCode: number;
    let bodyText: string;
    try {
      const response = await request(`${this.#baseUrl}${path}`, {
        method: "GET",
        dispatcher: this.#dispatcher,
        headers: { authorization: `Bearer ${this.#apiKey}`, accept: "application/json" },
        signal,
        headersTimeout: this.#requestTimeoutMs,
        bodyTimeout: this.#requestTimeoutMs,
      });
      statusCode = response.statusCode;
      bodyText = await response.body.text();
    } catch (error) {
      if (signal?.aborted) throw signal.reason;
      this.#logger?.debug({ ticker, path, error: String(error) }, "polygon request failed");
      return { ok: false, error: providerErrorFromTransport(error, ticker) };
    }
    const durationMs = Math.round(performance.now() - startedAt);
    this.#logger?.debug({ ticker, path, status: statusCode, durationMs }, "polygon response");

    // The provider's text is quoted in error messages; make sure it cannot echo the key back.
    const safeBodyText = bodyText.replaceAll(this.#apiKey, REDACTED);
    if (statusCode !== 200) {
      return { ok: false, error: providerErrorFromResponse(statusCode, safeBodyText, ticker) };
    }
    try {
      return { ok: true, body: parseJsonBody(safeBodyText, ticker) };
    } catch (error) {
      if (error instanceof ProviderError) return { ok: false, error };
      throw error;
    }
  }

  /** Waits for a budget token; a budget failure other than abort becomes a transient error. */
  async #acquireBudget({ signal, usage }: FetchOptions): Promise<ProviderError | undefined> {
    try {
      const waitedMs = await this.#budget.acquire(signal);
      if (waitedMs > 0) usage.waits += 1;
      return undefined;
    } catch (error) {
      if (signal?.aborted) throw signal.reason;
      return new ProviderError("transient", `call budget unavailable: ${String(error)}`, undefined, {
        cause: error,
      });
    }
  }
}

/** `/v2/snapshot/locale/global/markets/{forex|crypto}/tickers/{ticker}`. */
export function singleSnapshotPath(asset: AssetRef): string {
  // The ":" of "C:EURUSD" stays literal, as in the provider's docs; anything else unsafe is encoded.
  const ticker = encodeURIComponent(asset.polygonTicker).replaceAll("%3A", ":");
  return `${SNAPSHOT_PATH_PREFIX}/${asset.assetType}/tickers/${ticker}`;
}
