/**
 * The key store's file backend: `keys.json` in `BUNTIME_DATA_DIR`, mode 0600, replaced atomically.
 * Reads are cached by the file's identity (inode, size, mtime): a replaced file always has a new
 * inode, so a change by another process is seen on the next `list()` at the cost of one `stat`.
 */
import { mkdir, readFile, stat } from "node:fs/promises";
import { join } from "node:path";
import { formatIssues } from "@buntime/sdk";
import { removeStaleTemps, writeFileAtomic } from "../util/atomic-write.ts";
import { withFileLock } from "./file-lock.ts";
import { type KeyRecord, type KeyStore, keyFileSchema, StoreError } from "./keys.ts";

/** The key file's name inside the data folder. */
export const KEY_FILE = "keys.json";

type Snapshot = { stamp: string; keys: readonly KeyRecord[] };

const serialise = (keys: readonly KeyRecord[]) => `${JSON.stringify({ version: 1, keys }, null, 2)}\n`;

/**
 * A key store over `<dataDir>/keys.json`. The folder (0700) and the file are created on the
 * first write; a missing file holds no keys.
 *
 * @example
 * const store = fileKeyStore(".buntime");
 * await store.list(); // []
 */
export function fileKeyStore(dataDir: string): KeyStore {
  const path = join(dataDir, KEY_FILE);
  const lockPath = `${path}.lock`;
  const listeners = new Set<() => void>();
  let cached: Snapshot | undefined;
  let queue: Promise<unknown> = Promise.resolve();

  const notify = () => {
    for (const listener of listeners) listener();
  };

  async function read(): Promise<Snapshot> {
    let stamp: string;
    try {
      const s = await stat(path);
      stamp = `${s.ino}:${s.size}:${s.mtimeMs}`;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== "ENOENT") throw unavailable(error);
      stamp = "missing";
    }
    if (cached?.stamp === stamp) return cached;
    const keys =
      stamp === "missing" ? [] : parse(await readFile(path, "utf8").catch((e) => Promise.reject(unavailable(e))));
    const changed = cached !== undefined;
    cached = { stamp, keys };
    if (changed) notify();
    return cached;
  }

  function parse(text: string): KeyRecord[] {
    let json: unknown;
    try {
      json = JSON.parse(text);
    } catch (error) {
      throw new StoreError("STORE_CORRUPT", `key file ${path} is not valid JSON: ${(error as Error).message}`);
    }
    const result = keyFileSchema.safeParse(json);
    if (!result.success) throw new StoreError("STORE_CORRUPT", `key file ${path}: ${formatIssues(result.error)}`);
    return result.data.keys;
  }

  function unavailable(error: unknown): StoreError {
    return new StoreError("STORE_UNAVAILABLE", `key file ${path}: ${(error as Error).message}`);
  }

  /** Read-modify-write under the in-process queue and the cross-process lock. */
  function change<T>(mutate: (keys: readonly KeyRecord[]) => { keys?: readonly KeyRecord[]; result: T }): Promise<T> {
    const run = queue.then(async () => {
      await mkdir(dataDir, { recursive: true, mode: 0o700 });
      return withFileLock(lockPath, async () => {
        await removeStaleTemps(path);
        const { keys: current } = await read();
        const { keys, result } = mutate(current);
        if (keys) {
          await writeFileAtomic(path, serialise(keys), { mode: 0o600 });
          await read(); // the new inode: caches it and notifies
        }
        return result;
      });
    });
    queue = run.catch(() => undefined);
    return run;
  }

  return {
    name: `key file ${path}`,
    list: async () => (await read()).keys,
    create: (record) =>
      change((keys) => {
        if (keys.some((k) => k.name === record.name)) {
          throw new StoreError("KEY_EXISTS", `a key named "${record.name}" already exists`);
        }
        return { keys: [...keys, record], result: undefined };
      }),
    remove: (name) =>
      change((keys) => {
        const kept = keys.filter((k) => k.name !== name);
        return kept.length === keys.length ? { result: false } : { keys: kept, result: true };
      }),
    touch: (lastUsed) =>
      change((keys) => {
        if (!keys.some((k) => lastUsed.has(k.name))) return { result: undefined };
        return { keys: keys.map((k) => ({ ...k, lastUsed: lastUsed.get(k.name) ?? k.lastUsed })), result: undefined };
      }),
    subscribe(listener) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
  };
}
