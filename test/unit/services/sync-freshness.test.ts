import { describe, expect, it } from "vitest";
import type { AssetState, SyncStatus } from "../../../src/models/batch.js";
import { effectiveSyncStatus } from "../../../src/services/sync-freshness.js";
import { makeSnapshot } from "../../support/fakes.js";

const NOW = Date.UTC(2026, 0, 5, 12, 0, 0);
const STALE_AFTER = 900;

function state(
  status: SyncStatus | null,
  lastSyncSecondsAgo: number | null,
  lastSuccessSecondsAgo: number | null,
  priceSecondsAgo: number | null = lastSuccessSecondsAgo,
): AssetState {
  const ago = (seconds: number | null) => (seconds === null ? null : new Date(NOW - seconds * 1000));
  return {
    symbol: "XAUUSD",
    latest: priceSecondsAgo === null ? null : makeSnapshot("XAUUSD", NOW - priceSecondsAgo * 1000),
    syncStatus: status,
    lastSyncAt: ago(lastSyncSecondsAgo),
    lastSuccessAt: ago(lastSuccessSecondsAgo),
    errorMessage: null,
  };
}

describe("effectiveSyncStatus", () => {
  it.each([
    { name: "a fresh success", input: state("success", 60, 60), status: "success", age: 60 },
    {
      name: "a success exactly at the threshold",
      input: state("success", 900, 900),
      status: "success",
      age: 900,
    },
    {
      name: "a success older than the threshold reads stale before the stale check runs",
      input: state("success", 901, 901),
      status: "stale",
      age: 901,
    },
    { name: "stored stale stays stale", input: state("stale", 2000, 2000), status: "stale", age: 2000 },
    {
      name: "the age is from the last success, not the provider's quote time",
      input: state("success", 30, 30, 7200),
      status: "success",
      age: 30,
    },
    {
      name: "a failure after an old success stays failed, aged from the success",
      input: state("failed", 5, 5000),
      status: "failed",
      age: 5000,
    },
    {
      name: "in progress after an old success stays in progress",
      input: state("in_progress", 0, 1000),
      status: "in_progress",
      age: 1000,
    },
    { name: "pending, never succeeded", input: state("pending", 10, null), status: "pending", age: null },
    { name: "never synced", input: state(null, null, null), status: null, age: null },
    { name: "a store clock ahead of ours", input: state("success", -3, -3), status: "success", age: 0 },
  ])("$name", ({ input, status, age }) => {
    expect(effectiveSyncStatus(input, NOW, STALE_AFTER)).toEqual({ status, ageSeconds: age });
  });
});
