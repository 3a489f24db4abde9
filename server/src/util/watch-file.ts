import { mkdirSync, watch } from "node:fs";
import { basename, dirname } from "node:path";

/**
 * Calls `listener` whenever the file at `path` is written or replaced, by this process or another
 * (a sibling with BUNTIME_PROCESSES, the `buntime` CLI): `fs.watch` on its folder (inotify on
 * Linux), so no timer polls it. The folder is made if missing (0700: it holds the server's state).
 * @returns a function that stops watching
 */
export function watchFile(path: string, listener: () => void): () => void {
  mkdirSync(dirname(path), { recursive: true, mode: 0o700 });
  const name = basename(path);
  const watcher = watch(dirname(path), (_event, changed) => {
    if (changed === name) listener();
  });
  watcher.unref?.();
  return () => watcher.close();
}
