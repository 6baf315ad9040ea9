import { describe, expect, it } from "vitest";
import { ConfigError, loadSettings } from "../../../src/config/settings.js";

describe("loadSettings", () => {
  it("uses the documented defaults for an empty environment", () => {
    expect(loadSettings({})).toEqual({
      host: "127.0.0.1",
      port: 50051,
      databaseUrl: undefined,
      redisUrl: undefined,
      dataDir: "./data",
      polygonApiKey: undefined,
      polygonBaseUrl: "https://api.massive.com",
      polygonFetchMode: "single",
      polygonRateLimit: 5,
      polygonRateWindowSeconds: 60,
      batchIntervalSeconds: 300,
      queueIntervalSeconds: 15,
      queueItemsPerRun: 2,
      queueAgingSeconds: 300,
      enqueueIntervalSeconds: 1800,
      staleAfterSeconds: 900,
      historyRetentionDays: 30,
      assetsFile: undefined,
      batchAdminToken: undefined,
      logLevel: "info",
    });
  });

  it("reads every variable", () => {
    const settings = loadSettings({
      HOST: "0.0.0.0",
      PORT: "0",
      DATABASE_URL: "postgres://u@db:5432/x",
      REDIS_URL: "redis://cache:6379",
      DATA_DIR: "/var/lib/ds",
      POLYGON_API_KEY: "abcdefgh12345",
      POLYGON_BASE_URL: "http://127.0.0.1:9999",
      POLYGON_FETCH_MODE: "universal",
      POLYGON_RATE_LIMIT: "100",
      POLYGON_RATE_WINDOW_SECONDS: "1",
      BATCH_INTERVAL_SECONDS: "60",
      QUEUE_INTERVAL_SECONDS: "5",
      QUEUE_ITEMS_PER_RUN: "10",
      ENQUEUE_INTERVAL_SECONDS: "600",
      STALE_AFTER_SECONDS: "120",
      ASSETS_FILE: "./assets.json",
      BATCH_ADMIN_TOKEN: "0123456789abcdef",
      LOG_LEVEL: "debug",
    });
    expect(settings).toMatchObject({
      host: "0.0.0.0",
      port: 0,
      databaseUrl: "postgres://u@db:5432/x",
      polygonFetchMode: "universal",
      polygonRateWindowSeconds: 1,
      queueItemsPerRun: 10,
      batchAdminToken: "0123456789abcdef",
      logLevel: "debug",
    });
  });

  it.each([
    ["PORT", "70000", "an integer from 0 to 65535"],
    ["PORT", "12.5", "an integer"],
    ["POLYGON_RATE_LIMIT", "0", "an integer from 1"],
    ["QUEUE_ITEMS_PER_RUN", "-1", "an integer from 1"],
    ["POLYGON_FETCH_MODE", "bulk", "one of single, multi, universal, prev"],
    ["LOG_LEVEL", "loud", "one of fatal"],
    ["DATABASE_URL", "mysql://x", "a postgres or postgresql URL"],
    ["REDIS_URL", "not a url", "a redis or rediss URL"],
    ["POLYGON_BASE_URL", "ftp://x", "a http or https URL"],
  ])("rejects %s=%s naming the variable and what it accepts", (variable, value, accepts) => {
    const attempt = () => loadSettings({ [variable]: value });
    expect(attempt).toThrow(ConfigError);
    expect(attempt).toThrow(new RegExp(`^${variable}: expected ${accepts}`));
  });

  it("never puts a secret or a URL password in its error", () => {
    expect(() => loadSettings({ BATCH_ADMIN_TOKEN: "short" })).toThrow(
      /^BATCH_ADMIN_TOKEN: .*got 5 characters$/,
    );
    expect(() => loadSettings({ POLYGON_API_KEY: "has space inside" })).not.toThrow(/has space/);
    expect(() => loadSettings({ DATABASE_URL: "postgres://user:hunter2@[bad" })).toThrow(
      /^DATABASE_URL: .*\*\*\*@/,
    );
    expect(() => loadSettings({ DATABASE_URL: "postgres://user:hunter2@[bad" })).not.toThrow(/hunter2/);
  });

  it("reads QUEUE_AGING_SECONDS as whole seconds from 1 to 86400", () => {
    expect(loadSettings({}).queueAgingSeconds).toBe(300);
    expect(loadSettings({ QUEUE_AGING_SECONDS: "1" }).queueAgingSeconds).toBe(1);
    expect(loadSettings({ QUEUE_AGING_SECONDS: "86400" }).queueAgingSeconds).toBe(86_400);
    for (const bad of ["0", "86401", "1.5", "-5", "5m"]) {
      expect(() => loadSettings({ QUEUE_AGING_SECONDS: bad })).toThrow(
        /^QUEUE_AGING_SECONDS: expected an integer from 1 to 86400, got /,
      );
    }
  });

  it("reads HISTORY_RETENTION_DAYS as whole days from 0 (keep forever) to 3650", () => {
    expect(loadSettings({ HISTORY_RETENTION_DAYS: "0" }).historyRetentionDays).toBe(0);
    expect(loadSettings({ HISTORY_RETENTION_DAYS: "3650" }).historyRetentionDays).toBe(3650);
    for (const bad of ["-1", "3651", "7.5", "30d"]) {
      expect(() => loadSettings({ HISTORY_RETENTION_DAYS: bad })).toThrow(
        /^HISTORY_RETENTION_DAYS: expected an integer from 0 to 3650, got /,
      );
    }
  });

  it("treats empty values as unset", () => {
    expect(loadSettings({ PORT: "", DATABASE_URL: " " })).toMatchObject({
      port: 50051,
      databaseUrl: undefined,
    });
  });
});
