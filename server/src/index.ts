#!/usr/bin/env bun
/**
 * `buntime`, `buntime start`, `npm start`: reads the environment
 * (docs/configuration.md#environment), starts the server, prints where it listens, and drains
 * on SIGTERM/SIGINT. Exit 2: an invalid environment, config or required plugin.
 * After a signal: exit 0 once everything ended, 1 when worker threads blocked in apps had to be
 * abandoned or the shutdown deadline passed (`shutdown.ts`).
 */
import { ConfigError } from "./config/buntime-config.ts";
import { EnvError, loadEnv } from "./constants.ts";
import { PluginLoadError } from "./plugins/load.ts";
import { type RunningServer, startServer } from "./server.ts";
import { exitAfterShutdown, hardExit, shutdownDeadlineMs } from "./shutdown.ts";
import { isServerProcess, receiveEnvironment, supervise } from "./supervisor.ts";
import { createLogger, type Logger } from "./util/log.ts";

/** The supervisor's deadline is the server's plus this, so that the server's own exit comes first. */
const SUPERVISOR_GRACE_MS = 2000;

// `keys`, `deploy`, `apps`, `--help`: the CLI (cli/main.ts). No command, or `start`: serve.
const argv = process.argv.slice(2);
if (argv.length > 0 && argv[0] !== "start") {
  const { runCli } = await import("./cli/main.ts");
  const result = await runCli(argv);
  // Written out before exiting: process.exit drops what a pipe has not taken yet (a long
  // `buntime logs` or `apps --json` was cut short when piped).
  const written = (stream: NodeJS.WriteStream, text: string) =>
    new Promise<void>((resolve) => (text ? stream.write(text, () => resolve()) : resolve()));
  await written(process.stdout, result.stdout);
  await written(process.stderr, result.stderr);
  process.exit(result.code);
}

if (!isServerProcess()) process.exit(await supervise(import.meta.path, shutdownDeadlineMs() + SUPERVISOR_GRACE_MS));
await receiveEnvironment();

let logger: Logger;
let server: RunningServer;
try {
  const env = loadEnv();
  // Read once; nothing later (a plugin, an app's thread) finds it in the environment.
  delete process.env.BUNTIME_ADMIN_TOKEN;
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
  // SHUTDOWN_TIMEOUT is a promise: whatever still hangs at the deadline (a plugin's
  // onShutdown), the process exits. Threads blocked in apps are abandoned before that.
  const deadlineMs = shutdownDeadlineMs();
  setTimeout(() => {
    logger.error("shutdown deadline passed; exiting", { deadlineMs });
    logger.flushSync?.(500);
    hardExit(1);
  }, deadlineMs).unref();
  exitAfterShutdown(await server.stop(), logger);
};
process.on("SIGTERM", () => void shutdown("SIGTERM"));
process.on("SIGINT", () => void shutdown("SIGINT"));
// The supervisor passes SIGHUP on (a closed terminal, a reload by habit). Unhandled, it ended the
// server at once, every request in flight cut; there is nothing to reload (APPS_DIR is followed).
process.on("SIGHUP", () => logger.info("SIGHUP ignored: apps are followed on disk; restart to read the config again"));
