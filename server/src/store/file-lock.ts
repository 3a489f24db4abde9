/**
 * A lock file for read-modify-write of one file by several processes on one machine (the server
 * and the `buntime` CLI). Hand-written: the steps are few (create with O_EXCL, write our pid,
 * remove when done) and the usual packages (proper-lockfile) poll mtimes where a dead owner's pid
 * says it at once. A lock whose owner is gone (killed mid-write) is taken over.
 */
import { open, readFile, rm, stat } from "node:fs/promises";
import { isRunning } from "../util/process-alive.ts";

const RETRY_MS = 10;

/** How long a lock file may stay empty (its owner between create and writing its pid). */
const EMPTY_GRACE_MS = 1000;

/** A lock whose owner is dead, or that has stayed without an owner longer than a write takes. */
async function stale(lockPath: string, owner: number): Promise<boolean> {
  if (Number.isInteger(owner) && owner > 0) return owner !== process.pid && !isRunning(owner);
  const made = await stat(lockPath).then(
    (s) => s.mtimeMs,
    () => Date.now(),
  );
  return Date.now() - made > EMPTY_GRACE_MS;
}

/**
 * Removes the stale lock whose content was `seen`, under a second lock (`<lock>.takeover`), and
 * only if it still holds `seen`: two writers that judged the same lock stale must not both remove
 * it, or the second would remove the lock the first had just made and both would hold it. While
 * the takeover lock is held nobody else can remove the lock, and nobody can create it (it
 * exists), so the re-read stays true until the removal. A takeover lock left by a writer killed in
 * those few microseconds is removed once older than EMPTY_GRACE_MS. Whether to look again at once.
 */
async function takeOver(lockPath: string, seen: string): Promise<boolean> {
  const guardPath = `${lockPath}.takeover`;
  let guard: Awaited<ReturnType<typeof open>>;
  try {
    guard = await open(guardPath, "wx", 0o600);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== "EEXIST") throw error;
    if (await stale(guardPath, Number.NaN)) await rm(guardPath, { force: true });
    return false; // another writer is taking over: look again after the usual wait
  }
  try {
    if ((await readFile(lockPath, "utf8").catch(() => undefined)) === seen) await rm(lockPath, { force: true });
    return true;
  } finally {
    await guard.close();
    await rm(guardPath, { force: true });
  }
}

async function acquire(lockPath: string, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      const handle = await open(lockPath, "wx", 0o600);
      await handle.writeFile(String(process.pid));
      await handle.close();
      return;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== "EEXIST") throw error;
    }
    const seen = await readFile(lockPath, "utf8").catch(() => "");
    const owner = Number.parseInt(seen, 10);
    if ((await stale(lockPath, owner)) && (await takeOver(lockPath, seen))) continue;
    if (Date.now() > deadline) throw new Error(`${lockPath} is held by process ${owner || "?"}`);
    await Bun.sleep(RETRY_MS);
  }
}

/** Runs `task` holding the lock at `lockPath`. @throws when the lock is not free within `timeoutMs` */
export async function withFileLock<T>(lockPath: string, task: () => Promise<T>, timeoutMs = 5000): Promise<T> {
  await acquire(lockPath, timeoutMs);
  try {
    return await task();
  } finally {
    await rm(lockPath, { force: true });
  }
}
