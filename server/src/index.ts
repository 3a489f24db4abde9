#!/usr/bin/env bun
/**
 * `npm start`: reads the environment (CONTRACT §2), starts the server, prints where it
 * listens, and drains on SIGTERM/SIGINT.
 */
import { EnvError, loadEnv } from "./constants.ts";
import { startServer } from "./server.ts";
import { createLogger } from "./util/log.ts";

const logger = createLogger();

let env: ReturnType<typeof loadEnv>;
try {
  env = loadEnv();
} catch (error) {
  if (!(error instanceof EnvError)) throw error;
  console.error(error.message);
  process.exit(2);
}

const server = await startServer({ env, logger });
console.log(`Buntime listening on ${server.url.href} (apps from ${env.APPS_DIR})`);

let signals = 0;
const shutdown = async (signal: string) => {
  if (++signals > 1) return;
  logger.info("shutting down", { signal, graceSeconds: env.SHUTDOWN_TIMEOUT });
  await server.stop();
  process.exit(0);
};
process.on("SIGTERM", () => void shutdown("SIGTERM"));
process.on("SIGINT", () => void shutdown("SIGINT"));
