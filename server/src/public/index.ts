/**
 * @buntime/server: the runtime as a library, for the emulator, operators embedding it and
 * plugin authors. Everything else under `src/` is internal and may change without notice.
 *
 * @example
 * import { loadEnv, startServer } from "@buntime/server";
 * const server = await startServer({ env: loadEnv({ PORT: "0", APPS_DIR: "./apps" }) });
 * await fetch(new URL("/hello/", server.url));
 * await server.stop();
 */

// App names and versions, as the runtime reads app folders
export { isAppChange, isAppName, isVersionFolder } from "../apps/resolve.ts";
export type { VersionKey } from "../apps/version-key.ts";
export { parseVersionKey, splitKey, versionKey } from "../apps/version-key.ts";
// The extension config (buntime.jsonc)
// Terminal output (colours, tables) shared with buntime-emulator's CLI.
export { colours, styled, table } from "../cli/format.ts";
export type { BuntimeConfig } from "../config/buntime-config.ts";
export { ConfigError, loadBuntimeConfig, normaliseConfig } from "../config/buntime-config.ts";
// The environment: the one schema of the server's settings and their defaults
export type { ServerEnv } from "../constants.ts";
export { EnvError, envSchema, loadEnv } from "../constants.ts";
// Apps' log lines (docs/logs.md)
export type { AppLogLine, LogFilter } from "../logs/hub.ts";
// A required plugin that failed to load
export { PluginLoadError } from "../plugins/load.ts";
// Time: every lifecycle timer of the pool goes through a Clock
export type { Clock } from "../pool/clock.ts";
export { realClock } from "../pool/clock.ts";
// Worker lifecycle events (`server.pool.events`)
export type { PoolEmitter, PoolEvents, StopReason } from "../pool/events.ts";
// Releases: tags, traffic splits and their history (docs/releases.md)
export type { AppReleaseState } from "../releases/admin.ts";
export { ReleaseAdmin } from "../releases/admin.ts";
// The server
export type { RunningServer, ServerOptions } from "../server.ts";
export { startServer } from "../server.ts";
export type { HistoryEntry } from "../store/releases.ts";
// Logging
export type { Logger, LogLevel } from "../util/log.ts";
export { createLogger, LOG_LEVELS, silentLogger } from "../util/log.ts";
