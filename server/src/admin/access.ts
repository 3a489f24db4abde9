/**
 * Admin access for one server: the key store, the guard and the `/_/keys` routes, built from
 * the environment and the loaded plugins (so `server.ts` wires it in one call).
 */
import type { Hono } from "hono";
import type { ServerEnv } from "../constants.ts";
import type { PluginHost } from "../plugins/host.ts";
import { fileKeyStore } from "../store/file-key-store.ts";
import type { KeyStore } from "../store/keys.ts";
import type { Logger } from "../util/log.ts";
import { AdminGuard } from "./guard.ts";
import { keyRoutes } from "./keys-routes.ts";

export interface AdminAccess {
  keys: KeyStore;
  guard: AdminGuard;
  /** `/_/keys`, to mount at that path. */
  routes: Hono;
}

/** Builds admin access; `keys` defaults to the file store in `env.BUNTIME_DATA_DIR`. */
export function adminAccess(
  env: Pick<ServerEnv, "BUNTIME_ADMIN_TOKEN" | "BUNTIME_DATA_DIR" | "DASHBOARD_HOST">,
  plugins: PluginHost,
  logger: Logger,
  keys: KeyStore = fileKeyStore(env.BUNTIME_DATA_DIR),
): AdminAccess {
  const on = (name: string) => () => plugins.plugins.some((plugin) => plugin.name === name);
  const guard = new AdminGuard({
    adminToken: env.BUNTIME_ADMIN_TOKEN,
    keys,
    authn: on("@buntime/authn"),
    logger,
    ...(env.DASHBOARD_HOST !== undefined && { dashboardHost: env.DASHBOARD_HOST }),
  });
  return { keys, guard, routes: keyRoutes(keys) };
}
