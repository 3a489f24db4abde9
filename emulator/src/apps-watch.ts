import { type FSWatcher, watch } from "node:fs";
import { join } from "node:path";
import { isAppChange, type VersionKey } from "@buntime/server";
import type { AppsDir } from "./apps-dir.ts";

/** How long events are gathered before they are acted on (a save or a copy is many events). */
const DEBOUNCE_MS = 50;
/** The fallback look at the user's folder, for when the watcher misses events (as the server's). */
const POLL_MS = 1000;

/**
 * Follows the user's folder (the folder form of `apps`) as the server follows APPS_DIR: versions
 * added or removed are linked or unlinked, and `onChange` gets their keys and those of the
 * versions whose files changed. Needed because the server watches the emulator's link folder,
 * and a recursive watch does not follow links: without this, `serve --apps DIR` would serve the
 * versions and the code it found at start for good (contract §3: changes are seen within 2 s).
 * Real-time timers, unref'd, as the server's own watch: a virtual clock is not touched.
 * Returns the function that stops it; a no-op for the map form of `apps`.
 *
 * @example
 * const unwatch = watchAppsDir(apps, (keys) => { catalog.refresh(); for (const key of keys) catalog.invalidate(key); });
 */
export function watchAppsDir(apps: AppsDir, onChange: (keys: VersionKey[]) => void): () => void {
  const root = apps.root;
  if (root === undefined) return () => {};
  const changedFiles = new Set<string>();
  let debounce: ReturnType<typeof setTimeout> | undefined;
  const look = () => {
    const keys = new Set(apps.sync());
    for (const path of changedFiles) {
      for (const { key, file } of apps.versionsHolding(path)) if (isAppChange(file)) keys.add(key);
    }
    changedFiles.clear();
    if (keys.size > 0) onChange([...keys]);
  };
  let watcher: FSWatcher | undefined;
  try {
    watcher = watch(root, { recursive: true }, (_event, file) => {
      if (file) changedFiles.add(join(root, file));
      clearTimeout(debounce);
      debounce = setTimeout(look, DEBOUNCE_MS);
      debounce.unref?.();
    });
    watcher.on("error", () => {
      watcher?.close();
      watcher = undefined;
    });
  } catch {
    // No watcher here (the server warns about its own): the poll still sees versions come and go.
  }
  const poll = setInterval(look, POLL_MS);
  poll.unref?.();
  return () => {
    watcher?.close();
    clearInterval(poll);
    clearTimeout(debounce);
  };
}
