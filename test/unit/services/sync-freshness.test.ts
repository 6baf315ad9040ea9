import { describe, expect, it } from "vitest";
import type { AssetState, SyncStatus } from "../../../src/models/batch.js";
import { effectiveSyncStatus } from "../../../src/services/sync-freshness.js";
import { makeSnapshot } from "../../support/fakes.js";

const NOW = Date.UTC(2026, 0, 5, 12, 0, 0);
const STALE_AFTER = 900;

function state(
  status: SyncStatus | null,
  lastSyncSecondsAgo: number | null,
  priceSecondsAgo: number | null,
): AssetState {
  return {
    symbol: "XAUUSD",
    latest: priceSecondsAgo === null ? null : makeSnapshot("XAUUSD", NOW - priceSecondsAgo * 1000),
    syncStatus: status,
    lastSyncAt: lastSyncSecondsAgo === null ? null : new Date(NOW - lastSyncSecondsAgo * 1000),
    errorMessage: null,
  };
}

describe("effectiveSyncStatus", () => {
  it.each([
    { name: "a fresh success", input: state("success", 60, 75), status: "success", age: 75 },
    {
      name: "a success exactly at the threshold",
      input: state("success", 900, 900),
      status: "success",
      age: 900,
    },
    {
      name: "a success older than the threshold",
      input: state("success", 901, 905),
      status: "stale",
      age: 905,
    },
    { name: "an old failure stays failed", input: state("failed", 5000, 6000), status: "failed", age: 6000 },
    { name: "pending, never priced", input: state("pending", 10, null), status: "pending", age: null },
    { name: "never synced", input: state(null, null, null), status: null, age: null },
    { name: "a provider clock ahead of ours", input: state("success", 1, -3), status: "success", age: 0 },
  ])("$name", ({ input, status, age }) => {
    expect(effectiveSyncStatus(input, NOW, STALE_AFTER)).toEqual({ status, ageSeconds: age });
  });
});
