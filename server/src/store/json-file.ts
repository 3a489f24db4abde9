/**
 * One JSON document in the data folder, as the file backends keep state (README.md): mode 0600 in
 * a 0700 folder, replaced atomically (`writeFileAtomic`) under the lock file (`file-lock.ts`), so
 * that a writer killed mid-write leaves the old file or the new and two writers (the server, the
 * CLI) lose nothing. Reads are cached by the file's identity (inode, size, mtime): a replaced file
 * always has a new inode, so another process's change is seen on the next `read()` for one `stat`,
 * and listeners are told when the identity moved. The key and release files are both this.
 */
import { mkdir, readFile, stat } from "node:fs/promises";
import { join } from "node:path";
import { formatIssues } from "@buntime/sdk";
import type { z } from "zod";
import { removeStaleTemps, writeFileAtomic } from "../util/atomic-write.ts";
import { withFileLock } from "./file-lock.ts";
import { StoreError } from "./keys.ts";

/** How a kind of state sits in its file. */
export interface JsonFileFormat<F, T> {
  /** For messages, before the path: "key file". */
  what: string;
  /** The file's content. */
  schema: z.ZodType<F>;
  /** The parsed file as the store hands it out. */
  load(file: F): T;
  /** The file's text for `value`. */
  serialise(value: T): string;
  /** What a missing file holds. */
  empty: T;
}

/** See the file's comment. */
export interface JsonFile<T> {
  readonly path: string;
  /** The content now (cached while the file's identity is unchanged). @throws StoreError STORE_UNAVAILABLE, STORE_CORRUPT */
  read(): Promise<T>;
  /**
   * Read-modify-write under the in-process queue and the cross-process lock: `mutate` gets the
   * content now and says what to write (`next`, nothing when undefined) and what to return.
   * @throws StoreError STORE_UNAVAILABLE, STORE_CORRUPT, or whatever `mutate` throws (nothing written)
   */
  change<R>(mutate: (current: T) => { next?: T; result: R }): Promise<R>;
  /** Called after the content changed (a write here, or another writer's seen on a read). */
  subscribe(listener: () => void): () => void;
}

/** The document `fileName` in `dataDir` (the folder and the file are made on the first write). */
export function jsonFile<F, T>(dataDir: string, fileName: string, format: JsonFileFormat<F, T>): JsonFile<T> {
  const path = join(dataDir, fileName);
  const lockPath = `${path}.lock`;
  const listeners = new Set<() => void>();
  let cached: { stamp: string; value: T } | undefined;
  let queue: Promise<unknown> = Promise.resolve();

  const unavailable = (error: unknown) =>
    new StoreError("STORE_UNAVAILABLE", `${format.what} ${path}: ${(error as Error).message}`);

  function parse(text: string): T {
    let json: unknown;
    try {
      json = JSON.parse(text);
    } catch (error) {
      throw new StoreError("STORE_CORRUPT", `${format.what} ${path} is not valid JSON: ${(error as Error).message}`);
    }
    const result = format.schema.safeParse(json);
    if (!result.success) throw new StoreError("STORE_CORRUPT", `${format.what} ${path}: ${formatIssues(result.error)}`);
    return format.load(result.data);
  }

  /** `force`: parse even when the identity matches (inside a change: never act on a stale cache). */
  async function read(force = false): Promise<T> {
    let stamp: string;
    try {
      const s = await stat(path);
      stamp = `${s.ino}:${s.size}:${s.mtimeMs}`;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== "ENOENT") throw unavailable(error);
      stamp = "missing";
    }
    if (!force && cached?.stamp === stamp) return cached.value;
    const value =
      stamp === "missing"
        ? format.empty
        : parse(await readFile(path, "utf8").catch((e) => Promise.reject(unavailable(e))));
    const changed = cached !== undefined && cached.stamp !== stamp;
    cached = { stamp, value };
    if (changed) for (const listener of listeners) listener();
    return value;
  }

  return {
    path,
    read: () => read(),
    change(mutate) {
      const run = queue.then(async () => {
        await mkdir(dataDir, { recursive: true, mode: 0o700 });
        return withFileLock(lockPath, async () => {
          await removeStaleTemps(path);
          const { next, result } = mutate(await read(true));
          if (next !== undefined) {
            await writeFileAtomic(path, format.serialise(next), { mode: 0o600 });
            await read(); // the new inode: caches it and notifies
          }
          return result;
        });
      });
      queue = run.catch(() => undefined);
      return run;
    },
    subscribe(listener) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
  };
}
