/**
 * MarketDataProvider over the Polygon (Massive) REST API, in one of four fetch modes
 * (POLYGON_FETCH_MODE). Every HTTP request first spends one token of the key's call budget; the
 * key travels only in the Authorization header, so it never shows up in a URL, a log line or an
 * error message.
 *
 * Calls per fetch of n assets (f forex + c crypto, all tickers known, ≤ 250 of each):
 * - `single`: n (one v2 single-ticker snapshot each, the spec's poller);
 * - `multi`: one per asset class present (≤ 2);
 * - `universal`: 1 (one `/v3/snapshot` page; more only if the provider paginates);
 * - `prev`: n (one previous-day bar each; the free plan's only source).
 */
import { FETCH_MODES, type FetchMode } from "../config/settings.js";
import type { AssetRef } from "../models/batch.js";
import type { FetchOptions, MarketDataProvider, SnapshotOutcome } from "../services/ports.js";
import { fetchEach } from "./polygon-fetch-each.js";
import { fetchMulti, MAX_MULTI_TICKERS } from "./polygon-fetch-multi.js";
import { fetchUniversal, MAX_UNIVERSAL_TICKERS } from "./polygon-fetch-universal.js";
import { PolygonHttp, type PolygonHttpOptions } from "./polygon-http.js";
import { uniqueTickers } from "./polygon-outcomes.js";

export { prevBarPath, singleSnapshotPath } from "./polygon-fetch-each.js";
export { multiSnapshotPath } from "./polygon-fetch-multi.js";
export { universalSnapshotPath } from "./polygon-fetch-universal.js";

export interface PolygonClientOptions extends PolygonHttpOptions {
  /** Which endpoints serve a fetch (POLYGON_FETCH_MODE). Default `single`. */
  mode?: FetchMode;
}

export class PolygonClient implements MarketDataProvider {
  readonly mode: FetchMode;
  readonly #http: PolygonHttp;

  constructor(options: PolygonClientOptions) {
    this.mode = options.mode ?? "single";
    if (!FETCH_MODES.includes(this.mode)) {
      throw new RangeError(
        `unknown Polygon fetch mode "${this.mode}"; expected one of ${FETCH_MODES.join(", ")}`,
      );
    }
    this.#http = new PolygonHttp(options);
  }

  /**
   * One outcome per asset, in order. Provider failures are outcomes (ProviderError with its
   * kind); this rejects only when the signal aborts.
   */
  async fetchSnapshots(assets: readonly AssetRef[], options: FetchOptions): Promise<SnapshotOutcome[]> {
    options.signal?.throwIfAborted();
    if (assets.length === 0) return [];
    switch (this.mode) {
      case "single":
      case "prev":
        return fetchEach(this.#http, this.mode, assets, options);
      case "multi":
        return fetchMulti(this.#http, assets, options);
      case "universal":
        return fetchUniversal(this.#http, assets, options);
    }
  }

  /**
   * Calls one fetchSnapshots of `assets` makes (MarketDataProvider.callsFor): one per asset in
   * `single` and `prev`; per asset class present, one per MAX_MULTI_TICKERS distinct tickers in
   * `multi`; one per MAX_UNIVERSAL_TICKERS distinct tickers in `universal` (first pages only).
   */
  callsFor(assets: readonly AssetRef[]): number {
    switch (this.mode) {
      case "single":
      case "prev":
        return assets.length;
      case "multi": {
        const classes = new Set(assets.map((asset) => asset.assetType));
        let calls = 0;
        for (const assetType of classes) {
          const tickers = uniqueTickers(assets.filter((asset) => asset.assetType === assetType));
          calls += Math.ceil(tickers.length / MAX_MULTI_TICKERS);
        }
        return calls;
      }
      case "universal":
        return Math.ceil(uniqueTickers(assets).length / MAX_UNIVERSAL_TICKERS);
    }
  }

  /** Closes the connection pool if the client created it; an injected dispatcher is the caller's. */
  async close(): Promise<void> {
    await this.#http.close();
  }
}
