/**
 * Crash-safe file replacement: a reader (or the next start) sees the old content or the new,
 * never a mix or a truncated file. Shared by the policy file and the key store. Written here because the well-known package for it
 * (write-file-atomic) is not a dependency, and the steps are few:
 * temp file in the same folder → write → fsync → rename over the target → fsync the folder.
 */
import { randomUUID } from "node:crypto";
import { open, readdir, rename, rm, stat } from "node:fs/promises";
import { basename, dirname, join } from "node:path";
import { isRunning } from "./process-alive.ts";

/** The temp-file name prefix for `path`; temp files are `.<name>.<pid>.<random>.tmp`. */
function tempPrefix(path: string): string {
  return `.${basename(path)}.`;
}

/**
 * Replaces `path` with `data` atomically and durably. The file keeps its permissions, or gets
 * `options.mode` (default `0644`); a given `mode` always wins (a secrets file stays `0600`).
 */
export async function writeFileAtomic(path: string, data: string, options: { mode?: number } = {}): Promise<void> {
  const dir = dirname(path);
  const temp = join(dir, `${tempPrefix(path)}${process.pid}.${randomUUID().slice(0, 8)}.tmp`);
  const mode =
    options.mode ??
    (await stat(path).then(
      (s) => s.mode & 0o777,
      () => 0o644,
    ));
  const handle = await open(temp, "wx", mode);
  try {
    await handle.writeFile(data, "utf8");
    await handle.sync();
  } catch (error) {
    await handle.close();
    await rm(temp, { force: true });
    throw error;
  }
  await handle.close();
  try {
    await rename(temp, path);
  } catch (error) {
    await rm(temp, { force: true });
    throw error;
  }
  await syncDirectory(dir);
}

/** Makes the rename itself durable: the folder's entry must reach the disk too. */
async function syncDirectory(dir: string): Promise<void> {
  const handle = await open(dir, "r");
  try {
    await handle.sync();
  } catch (error) {
    // Some platforms and file systems cannot fsync a folder; the rename is still atomic there.
    const code = (error as NodeJS.ErrnoException).code;
    if (code !== "EINVAL" && code !== "EPERM" && code !== "EISDIR" && code !== "ENOTSUP") throw error;
  } finally {
    await handle.close();
  }
}

/**
 * Deletes temp files a killed writer left beside `path`: those of processes that no longer run,
 * and this process's own (call only while no write of it runs here). Another live process's may
 * be mid-write (BUNTIME_PROCESSES, the CLI): they stay.
 */
export async function removeStaleTemps(path: string): Promise<void> {
  const prefix = tempPrefix(path);
  const names = await readdir(dirname(path)).catch(() => [] as string[]);
  const stale = (name: string) => {
    if (!name.startsWith(prefix) || !name.endsWith(".tmp")) return false;
    const pid = Number.parseInt(name.slice(prefix.length), 10);
    return !Number.isInteger(pid) || pid === process.pid || !isRunning(pid);
  };
  await Promise.all(names.filter(stale).map((name) => rm(join(dirname(path), name), { force: true })));
}
