/**
 * `store: "file"`: the policies as one JSON array in a file, replaced atomically on every change,
 * read-modify-written under its lock file, and followed as it changes: with BUNTIME_PROCESSES > 1
 * every process writes it, and each must see the others' changes (a revoked permission most of all).
 */
import { mkdir, readFile } from "node:fs/promises";
import { dirname } from "node:path";
import { withFileLock } from "../../../../store/file-lock.ts";
import { removeStaleTemps, writeFileAtomic } from "../../../../util/atomic-write.ts";
import { watchFile } from "../../../../util/watch-file.ts";
import type { StoreBackend } from "./store.ts";

export interface FileStoreOptions {
  /** Start with no policies (and create the file) when it does not exist; else that is an error. */
  createIfMissing: boolean;
}

const serialise = (sources: readonly unknown[]) => `${JSON.stringify(sources, null, 2)}\n`;

/** A backend over the JSON file at `path` (absolute). */
export function fileStore(path: string, options: FileStoreOptions): StoreBackend {
  // Temp files killed writers left: at the first read (the start, before this process writes),
  // then under the lock before each write. Never on a later read: that runs beside this
  // process's own writes (a change seen through the watch), whose temp file it would take.
  let swept = false;
  const backend: StoreBackend = {
    name: `policy file ${path}`,
    async read() {
      if (!swept) {
        swept = true;
        await removeStaleTemps(path);
      }
      let text: string;
      try {
        text = await readFile(path, "utf8");
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code !== "ENOENT") {
          throw new Error(`policy file ${path}: cannot read it: ${(error as Error).message}`);
        }
        if (!options.createIfMissing) {
          throw new Error(`policy file ${path} does not exist (set createIfMissing: true to start with no policies)`);
        }
        await mkdir(dirname(path), { recursive: true });
        // Never readable by others: an app process running as another user must not read policies.
        await writeFileAtomic(path, serialise([]), { mode: 0o600 });
        return [];
      }
      try {
        return JSON.parse(text);
      } catch (error) {
        throw new Error(`policy file ${path} is not valid JSON: ${(error as Error).message}`);
      }
    },
    write: (sources) => writeFileAtomic(path, serialise(sources)),
    async update(mutate) {
      await withFileLock(`${path}.lock`, async () => {
        await removeStaleTemps(path);
        const next = mutate(await backend.read());
        if (next !== undefined) await backend.write(next);
      });
    },
    subscribe: (listener) => watchFile(path, listener),
  };
  return backend;
}
