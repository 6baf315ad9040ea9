import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { acquireDataDirLock, DataDirLockedError } from "../../../src/store/data-dir-lock.js";

// Above Linux's largest pid_max (2^22), so no process can have it.
const DEAD_PID = 2 ** 22 + 12_345;

describe("acquireDataDirLock", () => {
  let dataDir: string;
  let lockFile: string;

  beforeEach(async () => {
    dataDir = await mkdtemp(path.join(tmpdir(), "data-service-lock-"));
    lockFile = path.join(dataDir, "pg.lock");
  });
  afterEach(async () => {
    await rm(dataDir, { recursive: true });
  });

  it("writes our pid to pg.lock and removes the file on release", async () => {
    const lock = await acquireDataDirLock(dataDir);
    expect(await readFile(lockFile, "utf8")).toBe(`${process.pid}\n`);
    await lock.release();
    await expect(readFile(lockFile)).rejects.toMatchObject({ code: "ENOENT" });
  });

  it("refuses while this process holds it, and succeeds after release", async () => {
    const lock = await acquireDataDirLock(dataDir);
    await expect(acquireDataDirLock(dataDir)).rejects.toThrow(
      `this process (pid ${process.pid}) already has the embedded database in DATA_DIR=${dataDir}`,
    );
    await lock.release();
    await (await acquireDataDirLock(dataDir)).release();
  });

  it("refuses a lock held by another live process, saying how to fix it", async () => {
    await writeFile(lockFile, `${process.ppid}\n`);
    const error = await acquireDataDirLock(dataDir).catch((reason: unknown) => reason);
    expect(error).toBeInstanceOf(DataDirLockedError);
    expect(error).toMatchObject({ ownerPid: process.ppid });
    expect((error as Error).message).toContain(`another data-service process (pid ${process.ppid}) is using`);
    expect((error as Error).message).toContain(`set DATA_DIR to another directory, or set DATABASE_URL`);
    expect((error as Error).message).toContain(`delete ${lockFile}`);
    expect(await readFile(lockFile, "utf8")).toBe(`${process.ppid}\n`);
  });

  it("takes over a stale lock whose process is gone", async () => {
    await writeFile(lockFile, `${DEAD_PID}\n`);
    const lock = await acquireDataDirLock(dataDir);
    expect(await readFile(lockFile, "utf8")).toBe(`${process.pid}\n`);
    await lock.release();
  });

  it("takes over a lock with our own pid that this process does not hold (restart with the same pid)", async () => {
    await writeFile(lockFile, `${process.pid}\n`);
    const lock = await acquireDataDirLock(dataDir);
    await lock.release();
    await expect(readFile(lockFile)).rejects.toMatchObject({ code: "ENOENT" });
  });

  it("refuses a lock file whose content is not a pid", async () => {
    await writeFile(lockFile, "");
    await expect(acquireDataDirLock(dataDir)).rejects.toThrow(DataDirLockedError);
  });

  it("does not delete a lock that another process took over meanwhile", async () => {
    const lock = await acquireDataDirLock(dataDir);
    await writeFile(lockFile, `${process.ppid}\n`);
    await lock.release();
    expect(await readFile(lockFile, "utf8")).toBe(`${process.ppid}\n`);
  });
});
