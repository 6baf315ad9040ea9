import { mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { DataDirLockedError } from "../../../src/store/data-dir-lock.js";
import { openStore } from "../../../src/store/open-store.js";
import { makeSnapshot } from "../../support/fakes.js";

// Each open costs a PGlite instance (~0.5 GB, ~2.5 s the first time): keep this file small.
describe("openStore without DATABASE_URL (embedded PGlite)", () => {
  let parent: string;
  let dataDir: string;

  beforeEach(async () => {
    parent = await mkdtemp(path.join(tmpdir(), "data-service-embedded-"));
    // A directory that does not exist yet: openStore must create it and its parents.
    dataDir = path.join(parent, "nested", "data");
  });
  afterEach(async () => {
    await rm(parent, { recursive: true });
  });

  it("locks DATA_DIR while open, refuses a second open, and reopens the same data after close", async () => {
    const first = await openStore({ dataDir });
    expect(first.kind).toBe("embedded");
    expect(await readFile(path.join(dataDir, "pg.lock"), "utf8")).toBe(`${process.pid}\n`);
    await first.store.saveSnapshots([makeSnapshot("XAUUSD", Date.parse("2026-01-02T03:04:05Z"), 2650)]);

    const second = openStore({ dataDir });
    await expect(second).rejects.toThrow(DataDirLockedError);
    await expect(second).rejects.toThrow(`embedded database in DATA_DIR=${dataDir}`);

    await first.close();
    await expect(readFile(path.join(dataDir, "pg.lock"))).rejects.toMatchObject({ code: "ENOENT" });
    const reopened = await openStore({ dataDir });
    try {
      const [gold] = await reopened.store.loadAssetStates(["XAUUSD"]);
      expect(gold?.latest?.lastPrice).toBe(2650);
    } finally {
      await reopened.close();
    }
  });
});
