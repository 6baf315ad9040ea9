/**
 * MarketDataProvider.callsFor is exact: for PolygonClient in every fetch mode, it equals the
 * requests the sandbox saw for one fetchSnapshots of the same assets (what the queue pre-pays).
 */
import { describe, expect, it } from "vitest";
import { DEFAULT_ASSETS } from "../../../src/config/priority-assets.js";
import type { AssetRef } from "../../../src/models/batch.js";
import {
  BTCUSD,
  cleanUpAfterEach,
  clientFor,
  ETHUSDT,
  GBPUSD,
  MODES,
  newUsage,
  sandboxWithKeys,
  XAUUSD,
} from "../providers/support.js";

cleanUpAfterEach();

/** 260 forex tickers the sandbox does not know (answered not_found, but asked for all the same). */
const MANY_FOREX: AssetRef[] = Array.from({ length: 260 }, (_, i) => ({
  symbol: `ZZ${String(i).padStart(3, "0")}USD`,
  polygonTicker: `C:ZZ${String(i).padStart(3, "0")}USD`,
  assetType: "forex",
}));

const CASES: Array<[name: string, assets: readonly AssetRef[]]> = [
  ["the spec's catalog (6 forex + 3 crypto)", DEFAULT_ASSETS],
  ["one forex asset", [GBPUSD]],
  ["one crypto and one forex asset", [ETHUSDT, XAUUSD]],
  ["two crypto assets", [BTCUSD, ETHUSDT]],
  ["262 forex + 1 crypto", [XAUUSD, ...MANY_FOREX, GBPUSD, BTCUSD]],
];

/** What the queue pre-pays, as documented on PolygonClient.callsFor. */
const EXPECTED: Record<string, Record<string, number>> = {
  single: { "the spec's catalog (6 forex + 3 crypto)": 9 },
  prev: { "the spec's catalog (6 forex + 3 crypto)": 9 },
  multi: { "the spec's catalog (6 forex + 3 crypto)": 2, "262 forex + 1 crypto": 3 },
  universal: { "the spec's catalog (6 forex + 3 crypto)": 1, "262 forex + 1 crypto": 2 },
};

describe("PolygonClient.callsFor against the sandbox's request log", () => {
  for (const mode of MODES) {
    it.each(CASES)(`mode ${mode}: %s`, async (name, assets) => {
      const sandbox = await sandboxWithKeys(10_000);
      const client = clientFor({ baseUrl: sandbox.url, mode });
      const usage = newUsage();

      await client.fetchSnapshots(assets, { usage });

      expect(client.callsFor(assets)).toBe(sandbox.requestLog.length);
      expect(usage.calls).toBe(sandbox.requestLog.length);
      const expected = EXPECTED[mode]?.[name];
      if (expected !== undefined) expect(client.callsFor(assets)).toBe(expected);
    });
  }

  it("no assets, no call", () => {
    expect(MODES.map((mode) => clientFor({ baseUrl: "http://127.0.0.1:9", mode }).callsFor([]))).toEqual([
      0, 0, 0, 0,
    ]);
  });
});
