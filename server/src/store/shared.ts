/**
 * The store of the server starting in this process, for plugins that keep state in it (authz's
 * `store: "shared"`): plugins are built from their options alone, so the server hands the store
 * over here just before it loads them. One server per process in production; a test that starts
 * several gets the latest one's, which is what its plugins were loaded with.
 */
import type { Store } from "./store.ts";

let current: Store | undefined;

/** Called by `startServer` before it loads the plugins. */
export function useSharedStore(store: Store): void {
  current = store;
}

/** The store of the server being started. @throws Error when no server has set one */
export function sharedStore(): Store {
  if (!current) throw new Error("no store: the shared policy store is only available inside a Buntime server");
  return current;
}
