import { readFile, unlink, writeFile } from "node:fs/promises";
import path from "node:path";

/** Another process (or this one) already has the embedded database open. */
export class DataDirLockedError extends Error {
  override readonly name = "DataDirLockedError";
  constructor(
    readonly dataDir: string,
    readonly lockFile: string,
    readonly ownerPid: number | null,
  ) {
    const owner =
      ownerPid === process.pid
        ? `this process (pid ${ownerPid}) already has`
        : `another data-service process${ownerPid === null ? "" : ` (pid ${ownerPid})`} is using`;
    super(
      `${owner} the embedded database in DATA_DIR=${dataDir}; two processes on one directory ` +
        "corrupt it. Stop that process, or set DATA_DIR to another directory, or set DATABASE_URL. " +
        `If no data-service process is running, delete ${lockFile}.`,
    );
  }
}

export interface DataDirLock {
  release(): Promise<void>;
}

/** Lock files held here: the pid alone cannot tell "held by me" from "left by my previous life". */
const heldByThisProcess = new Set<string>();

/**
 * Takes `${dataDir}/pg.lock`, an exclusive lock file holding our pid. PGlite itself does not lock
 * its directory, and two processes writing one directory lose rows silently. A lock whose pid is
 * gone is stale (a crash) and is taken over; so is one with our own pid that we do not hold (a
 * container restarted with the same pid).
 */
export async function acquireDataDirLock(dataDir: string): Promise<DataDirLock> {
  const lockFile = path.resolve(dataDir, "pg.lock");
  if (heldByThisProcess.has(lockFile)) throw new DataDirLockedError(dataDir, lockFile, process.pid);
  // Two attempts: the second follows the removal of a stale lock.
  for (let attempt = 0; attempt < 2; attempt++) {
    try {
      await writeFile(lockFile, `${process.pid}\n`, { flag: "wx" });
      heldByThisProcess.add(lockFile);
      return { release: () => releaseLock(lockFile) };
    } catch (error) {
      if (!isErrnoException(error) || error.code !== "EEXIST") throw error;
    }
    const ownerPid = await readOwnerPid(lockFile);
    // Unreadable content: we cannot tell whether it is live, so refuse and let the operator decide.
    if (ownerPid === undefined) throw new DataDirLockedError(dataDir, lockFile, null);
    if (ownerPid === null) continue; // released meanwhile
    if (ownerPid !== process.pid && isAlive(ownerPid)) {
      throw new DataDirLockedError(dataDir, lockFile, ownerPid);
    }
    // Stale. Two processes taking over the same stale lock at the same instant could both win;
    // that needs a crash and a double start within milliseconds, which we accept.
    await unlink(lockFile).catch(ignoreMissing);
  }
  throw new DataDirLockedError(dataDir, lockFile, null);
}

async function releaseLock(lockFile: string): Promise<void> {
  if (!heldByThisProcess.delete(lockFile)) return;
  // Only remove the file if it is still ours, never a lock someone else took over.
  if ((await readOwnerPid(lockFile)) === process.pid) await unlink(lockFile).catch(ignoreMissing);
}

/** The pid in the lock file; null when the file vanished; undefined when its content is not a pid. */
async function readOwnerPid(lockFile: string): Promise<number | null | undefined> {
  let text: string;
  try {
    text = await readFile(lockFile, "utf8");
  } catch (error) {
    if (isErrnoException(error) && error.code === "ENOENT") return null;
    throw error;
  }
  const pid = Number(text.trim());
  return Number.isSafeInteger(pid) && pid > 0 ? pid : undefined;
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    // EPERM: the process exists but belongs to another user.
    return isErrnoException(error) && error.code === "EPERM";
  }
}

function ignoreMissing(error: unknown): void {
  if (!isErrnoException(error) || error.code !== "ENOENT") throw error;
}

function isErrnoException(error: unknown): error is NodeJS.ErrnoException {
  return error instanceof Error && "code" in error;
}
