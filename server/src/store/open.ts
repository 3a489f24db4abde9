import type { ServerEnv } from "../constants.ts";
import { fileStore } from "./file-store.ts";
import type { Store } from "./store.ts";

/**
 * The store `BUNTIME_STORE` names: PostgreSQL for a `postgres://` URL, else the files in
 * `BUNTIME_DATA_DIR`. The PostgreSQL store is imported only when named: a server on files does
 * not load it (its modules are loaded, and kept on the heap every collection marks, by every
 * start, the emulator's included).
 */
export async function openStore(env: Pick<ServerEnv, "BUNTIME_STORE" | "BUNTIME_DATA_DIR">): Promise<Store> {
  if (!env.BUNTIME_STORE) return fileStore(env.BUNTIME_DATA_DIR);
  const { postgresStore } = await import("./postgres/store.ts");
  return postgresStore(env.BUNTIME_STORE);
}
