import { Code } from "@connectrpc/connect";
import pg from "pg";
import { describe, expect, it } from "vitest";
import { toConnectError } from "../../../src/api/error-mapping.js";
import { PostgresAssetStore } from "../../../src/store/postgres-asset-store.js";

describe("a store whose PostgreSQL does not answer", () => {
  it("fails its ping and reads with errors that reach clients as UNAVAILABLE", async () => {
    // Port 1 on loopback: nothing listens, so the real pg driver gets a real ECONNREFUSED.
    const pool = new pg.Pool({
      connectionString: "postgres://postgres@127.0.0.1:1/none",
      connectionTimeoutMillis: 2000,
    });
    const store = new PostgresAssetStore(pool);
    try {
      const ping = await store.ping().then(
        () => undefined,
        (err: unknown) => err,
      );
      expect(ping).toBeInstanceOf(Error);
      expect(toConnectError(ping).code).toBe(Code.Unavailable);
      const read = await store.loadAssetStates().then(
        () => undefined,
        (err: unknown) => err,
      );
      expect(toConnectError(read).code).toBe(Code.Unavailable);
    } finally {
      await pool.end();
    }
  });
});
