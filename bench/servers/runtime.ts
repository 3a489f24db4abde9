/** Buntime itself, as `npm start` runs it but without the supervisor, so its pid is the server's. */
import { join, resolve } from "node:path";
import { type ServerHandle, spawnServer } from "./server.ts";

const ROOT = resolve(import.meta.dir, "../..");
const ENTRY = join(ROOT, "server/src/index.ts");

export interface RuntimeOptions {
  appsDir: string;
  /** A buntime.jsonc enabling @buntime/metrics (see apps.ts `writeBuntimeConfig`). */
  config: string;
  /** More environment, such as POOL_SIZE. */
  env?: Record<string, string>;
  /** A checkout whose runtime to start (`bench --against`); default this one. */
  root?: string;
}

/** Starts `bun server/src/index.ts` on a free port of 127.0.0.1. */
export function startRuntime(options: RuntimeOptions): Promise<ServerHandle> {
  return spawnServer({
    label: "runtime",
    cmd: [process.execPath, options.root ? join(options.root, "server/src/index.ts") : ENTRY],
    env: {
      PATH: process.env.PATH ?? "/usr/bin:/bin",
      HOME: process.env.HOME ?? "/tmp",
      BUNTIME_SUPERVISOR: "0",
      PORT: "0",
      HOST: "127.0.0.1",
      APPS_DIR: options.appsDir,
      LOG_LEVEL: "warn",
      BUNTIME_CONFIG: options.config,
      // Nothing is in flight when a round ends: no need to wait the default 10 s.
      SHUTDOWN_TIMEOUT: "2",
      ...options.env,
    },
    route: (app, path) => `/${app}${path}`,
  });
}
