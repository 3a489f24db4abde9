/**
 * Which archive each cached version came from: `<APPS_DIR>/.buntime-cache.json`, `name@version`
 * → sha256 (a dot-file: the catalogue ignores it). It lets a node compare its cache with the
 * store's list without reading any archive; a version on disk that it does not name (a cache
 * from before, or a copy left by hand) is installed again from the store.
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { z } from "zod";
import { writeFileAtomic } from "../util/atomic-write.ts";

export const MANIFEST_FILE = ".buntime-cache.json";

const manifestSchema = z.record(z.string(), z.string().regex(/^[0-9a-f]{64}$/));

export class CacheManifest {
  readonly #path: string;
  readonly #entries: Map<string, string>;
  #writing: Promise<void> = Promise.resolve();

  constructor(appsDir: string) {
    this.#path = join(appsDir, MANIFEST_FILE);
    this.#entries = new Map(Object.entries(read(this.#path)));
  }

  get(key: string): string | undefined {
    return this.#entries.get(key);
  }

  set(key: string, sha256: string): Promise<void> {
    this.#entries.set(key, sha256);
    return this.#save();
  }

  delete(key: string): Promise<void> {
    this.#entries.delete(key);
    return this.#save();
  }

  /** Writes are queued: the file always ends as the last state. */
  #save(): Promise<void> {
    const text = `${JSON.stringify(Object.fromEntries(this.#entries), null, 2)}\n`;
    this.#writing = this.#writing.catch(() => {}).then(() => writeFileAtomic(this.#path, text));
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
