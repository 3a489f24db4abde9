/**
 * @buntime/sdk: what app authors import.
 *
 * @example
 * import { defineWorker } from "@buntime/sdk";
 * export default defineWorker({ timeout: 10 });
 */

export type {
  AppHandler,
  AppModule,
  AppRoute,
  AppServer,
  AppWebSocket,
  AppWebSocketHandlers,
  ScheduledEvent,
} from "./app.ts";
// Apps
export { defineApp } from "./app.ts";
// Validation messages
export { formatIssues } from "./format-issues.ts";
export type {
  InitContext,
  Plugin,
  PluginDefinition,
  PluginFactory,
  PluginLogger,
  RequestContext,
  RequestEndEvent,
  ResolvedApp,
  RuntimeConfig,
  ScheduleInfo,
  VersionRemovedEvent,
  WorkerEvent,
  WorkerEventType,
  WorkerInfo,
} from "./plugin.ts";
// Plugins
export { definePlugin, PluginOptionsError, pluginSchema } from "./plugin.ts";
// Scheduled handlers
export { checkTimezone, parseCron } from "./schedule.ts";
export type { WorkerConfig, WorkerConfigInput } from "./worker-config.ts";
// Worker config
export {
  defineWorker,
  scheduleSchema,
  workerConfigSchema,
} from "./worker-config.ts";
