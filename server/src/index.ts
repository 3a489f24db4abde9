#!/usr/bin/env bun
/**
 * `npm start`: reads the environment (CONTRACT §2), starts the server, prints where it
 * listens, and drains on SIGTERM/SIGINT. Exit 2: an invalid environment, config or required plugin.
 */
import { ConfigError } from "./config/buntime-config.ts";
import { EnvError, loadEnv } from "./constants.ts";
import { PluginLoadError } from "./plugins/load.ts";
import { type RunningServer, startServer } from "./server.ts";
import { isServerProcess, receiveEnvironment, supervise } from "./supervisor.ts";
import { createLogger, type Logger } from "./util/log.ts";

if (!isServerProcess()) process.exit(await supervise(import.meta.path));
await receiveEnvironment();

let logger: Logger;
let server: RunningServer;
try {
  const env = loadEnv();
  logger = createLogger(env.LOG_LEVEL);
  server = await startServer({ env, logger });
  console.log(`Buntime listening on ${server.url.href} (apps from ${env.APPS_DIR})`);
} catch (error) {
  if (error instanceof EnvError || error instanceof ConfigError || error instanceof PluginLoadError) {
    console.error(`buntime: ${error.message}`);
    process.exit(2);
  }
  throw error;
}

let signals = 0;
const shutdown = async (signal: string) => {
  if (++signals > 1) return;
  logger.info("shutting down", { signal });
  await server.stop();
  process.exit(0);
};
process.on("SIGTERM", () => void shutdown("SIGTERM"));
process.on("SIGINT", () => void shutdown("SIGINT"));
