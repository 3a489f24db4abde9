/**
 * Which archive each cached version came from: `<APPS_DIR>/.buntime-cache.json`, `name@version`
 * → sha256 (a dot-file: the catalogue ignores it). It lets a node compare its cache with the
 * store's list without reading any archive; a version on disk that it does not name (a cache
 * from before, or a copy left by hand) is installed again from the store. The processes of one
 * machine (BUNTIME_PROCESSES) share the folder and so the file: each change re-reads it first,
 * and a sync starts by re-reading it, so one process's install is not repeated by another;
 * each change holds the lock file (`store/file-lock.ts`), so neither loses the other's.
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { z } from "zod";
import { withFileLock } from "../store/file-lock.ts";
import { removeStaleTemps, writeFileAtomic } from "../util/atomic-write.ts";

export const MANIFEST_FILE = ".buntime-cache.json";

const manifestSchema = z.record(z.string(), z.string().regex(/^[0-9a-f]{64}$/));

export class CacheManifest {
  readonly #path: string;
  #entries: Map<string, string>;
  #writing: Promise<void> = Promise.resolve();
  /** Changes applied in memory whose write has not finished. */
  #pending = 0;

  constructor(appsDir: string) {
    this.#path = join(appsDir, MANIFEST_FILE);
    this.#entries = new Map(Object.entries(read(this.#path)));
  }

  get(key: string): string | undefined {
    return this.#entries.get(key);
  }

  /**
   * Takes in what another process of this machine recorded meanwhile; not while a change of
   * ours is on its way to the file (the file would not have it yet).
   */
  reload(): void {
    if (this.#pending === 0) this.#entries = new Map(Object.entries(read(this.#path)));
  }

  set(key: string, sha256: string): Promise<void> {
    return this.#change((entries) => entries.set(key, sha256));
  }

  delete(key: string): Promise<void> {
    return this.#change((entries) => entries.delete(key));
  }

  /** Changes are queued, each applied to the file as it is now: the file ends as the last state. */
  #change(apply: (entries: Map<string, string>) => void): Promise<void> {
    apply(this.#entries);
    this.#pending++;
    this.#writing = this.#writing
      .catch(() => {})
      .then(() =>
        // Under the lock file: another process's read-modify-write between our read and our
        // rename would be lost, and a version missing from the manifest is never removed.
        withFileLock(`${this.#path}.lock`, async () => {
          await removeStaleTemps(this.#path);
          const current = new Map(Object.entries(read(this.#path)));
          apply(current);
          await writeFileAtomic(this.#path, `${JSON.stringify(Object.fromEntries(current), null, 2)}\n`);
        }),
      )
      .finally(() => {
        this.#pending--;
      });
    return this.#writing;
  }
}

/** A missing or unreadable manifest means "nothing known": every version is installed again. */
function read(path: string): Record<string, string> {
  try {
    const parsed = manifestSchema.safeParse(JSON.parse(readFileSync(path, "utf8")));
    return parsed.success ? parsed.data : {};
  } catch {
    return {};
  }
}
