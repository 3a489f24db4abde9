import type { ServerEnv } from "../constants.ts";
import { fileStore } from "./file-store.ts";
import { postgresStore } from "./postgres/store.ts";
import type { Store } from "./store.ts";

/** The store `BUNTIME_STORE` names: PostgreSQL for a `postgres://` URL, else the files in `BUNTIME_DATA_DIR`. */
export function openStore(env: Pick<ServerEnv, "BUNTIME_STORE" | "BUNTIME_DATA_DIR">): Store {
  return env.BUNTIME_STORE ? postgresStore(env.BUNTIME_STORE) : fileStore(env.BUNTIME_DATA_DIR);
}
