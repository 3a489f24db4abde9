/**
 * `store: "memory"`: policies live only in the process, starting from the `policies` option.
 */
import type { StoreBackend } from "./store.ts";

export function memoryStore(initial: readonly unknown[]): StoreBackend {
  let sources: readonly unknown[] = initial;
  return {
    name: "memory store",
    read: async () => sources,
    write: async (next) => {
      sources = next;
    },
  };
}
