/**
 * The release store's file backend: `releases.json` in `BUNTIME_DATA_DIR`, replaced atomically
 * under the lock file (`json-file.ts`), as the key store. Reads are cached by the file's identity
 * (inode, size, mtime), so another process's change is seen on the next `list()` for one `stat`.
 */
import { jsonFile } from "./json-file.ts";
import { type AppRelease, applyChange, EMPTY_RELEASE, type ReleaseStore, releaseFileSchema } from "./releases.ts";

/** The release file's name inside the data folder. */
export const RELEASE_FILE = "releases.json";

type Apps = ReadonlyMap<string, AppRelease>;

/**
 * A release store over `<dataDir>/releases.json` (created on the first write; a missing file
 * holds nothing). `now` gives the history's times (default the wall clock).
 *
 * @example
 * const store = fileReleaseStore(".buntime");
 * await store.change("hello", { action: "tag", tag: "latest", version: "1.0.0" }, "ci");
 */
export function fileReleaseStore(dataDir: string, now: () => number = Date.now): ReleaseStore {
  const file = jsonFile(dataDir, RELEASE_FILE, {
    what: "release file",
    schema: releaseFileSchema,
    load: (data): Apps => new Map(Object.entries(data.apps)),
    serialise: (apps) => `${JSON.stringify({ version: 1, apps: Object.fromEntries(apps) }, null, 1)}\n`,
    empty: new Map() as Apps,
  });

  return {
    name: `release file ${file.path}`,
    list: () => file.read(),
    change: (app, requested, by) =>
      file.change((apps) => {
        const next = applyChange(apps.get(app) ?? EMPTY_RELEASE, requested, by, new Date(now()).toISOString());
        return { next: next && new Map(apps).set(app, next), result: next };
      }),
    subscribe: (listener) => file.subscribe(listener),
  };
}
