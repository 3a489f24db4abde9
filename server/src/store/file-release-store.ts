/**
 * The release store's file backend: `releases.json` in `BUNTIME_DATA_DIR`, replaced atomically
 * under the lock file, as the key store (README.md). Reads are cached by the file's identity
 * (inode, size, mtime), so another process's change is seen on the next `list()` for one `stat`.
 */
import { mkdir, readFile, stat } from "node:fs/promises";
import { join } from "node:path";
import { formatIssues } from "@buntime/sdk";
import { removeStaleTemps, writeFileAtomic } from "../util/atomic-write.ts";
import { withFileLock } from "./file-lock.ts";
import { StoreError } from "./keys.ts";
import {
  type AppRelease,
  applyChange,
  EMPTY_RELEASE,
  type ReleaseStore,
  type RequestedChange,
  releaseFileSchema,
} from "./releases.ts";

/** The release file's name inside the data folder. */
export const RELEASE_FILE = "releases.json";

type Apps = ReadonlyMap<string, AppRelease>;
type Snapshot = { stamp: string; apps: Apps };

const serialise = (apps: Apps) => `${JSON.stringify({ version: 1, apps: Object.fromEntries(apps) }, null, 1)}\n`;

/**
 * A release store over `<dataDir>/releases.json` (created on the first write; a missing file
 * holds nothing). `now` gives the history's times (default the wall clock).
 *
 * @example
 * const store = fileReleaseStore(".buntime");
 * await store.change("hello", { action: "tag", tag: "latest", version: "1.0.0" }, "ci");
 */
export function fileReleaseStore(dataDir: string, now: () => number = Date.now): ReleaseStore {
  const path = join(dataDir, RELEASE_FILE);
  const lockPath = `${path}.lock`;
  const listeners = new Set<() => void>();
  let cached: Snapshot | undefined;
  let queue: Promise<unknown> = Promise.resolve();

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
    const apps =
      stamp === "missing"
        ? new Map()
        : parse(await readFile(path, "utf8").catch((e) => Promise.reject(unavailable(e))));
    const changed = cached !== undefined;
    cached = { stamp, apps };
    if (changed) for (const listener of listeners) listener();
    return cached;
  }

  function parse(text: string): Apps {
    let json: unknown;
    try {
      json = JSON.parse(text);
    } catch (error) {
      throw new StoreError("STORE_CORRUPT", `release file ${path} is not valid JSON: ${(error as Error).message}`);
    }
    const result = releaseFileSchema.safeParse(json);
    if (!result.success) throw new StoreError("STORE_CORRUPT", `release file ${path}: ${formatIssues(result.error)}`);
    return new Map(Object.entries(result.data.apps));
  }

  function unavailable(error: unknown): StoreError {
    return new StoreError("STORE_UNAVAILABLE", `release file ${path}: ${(error as Error).message}`);
  }

  return {
    name: `release file ${path}`,
    list: async () => (await read()).apps,
    change(app, requested: RequestedChange, by) {
      const run = queue.then(async () => {
        await mkdir(dataDir, { recursive: true, mode: 0o700 });
        return withFileLock(lockPath, async () => {
          await removeStaleTemps(path);
          const { apps } = await read();
          const next = applyChange(apps.get(app) ?? EMPTY_RELEASE, requested, by, new Date(now()).toISOString());
          if (next === undefined) return undefined;
          await writeFileAtomic(path, serialise(new Map(apps).set(app, next)), { mode: 0o600 });
          await read(); // the new inode: caches it and notifies
          return next;
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
