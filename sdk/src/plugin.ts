import type { Hono } from "hono";
import { z } from "zod";
import { formatIssues } from "./format-issues.ts";
import type { WorkerConfig } from "./worker-config.ts";

/** The app version a request resolved to. */
export interface ResolvedApp {
  name: string;
  version: string;
  config: WorkerConfig;
}

/** The JSON-line logger plugins get, scoped to their name. */
export interface PluginLogger {
  debug(msg: string, fields?: Record<string, unknown>): void;
  info(msg: string, fields?: Record<string, unknown>): void;
  warn(msg: string, fields?: Record<string, unknown>): void;
  error(msg: string, fields?: Record<string, unknown>): void;
}

/** Per-request context handed to `onRequest` and `onResponse`. */
export interface RequestContext {
  /** The request id (`x-request-id`). */
  requestId: string;
  /** The app the request resolved to; undefined for `/_/` routes and unresolvable paths. */
  app: ResolvedApp | undefined;
  /** The app name and range the path asked for, even when nothing resolved. */
  target: { name: string; range: string | undefined } | undefined;
  /**
   * The request's path (before prefix stripping), percent-decoded as a router reads it (`%2F`
   * stays encoded): what path rules judge. For an app route, its first segment is the app's name
   * alone, whatever range or tag followed `@` (that is in `target.range`): `/echo@1/admin/x` and
   * `/echo/admin/x` are both `/echo/admin/x` here.
   */
  path: string;
  /** The client's address, when known. */
  clientAddress: string | undefined;
  /** Values plugins share for this request (e.g. the authenticated identity). */
  readonly vars: Map<string, unknown>;
  logger: PluginLogger;
}

/** A live worker, as plugins and `/_/stats` see it. */
export interface WorkerInfo {
  id: number;
  app: string;
  version: string;
  state: string;
  requests: number;
  inFlight: number;
  /** Open WebSockets (they keep the worker from idling). */
  sockets: number;
  errors: number;
  ageMs: number;
  idleMs: number;
  memory: { heapUsed: number; rss: number };
}

/** A worker lifecycle event. */
export interface WorkerEvent {
  app: string;
  version: string;
  workerId: number;
  reason?: string;
}

/** One app's schedule and its runs by outcome since the server started. */
export interface ScheduleInfo {
  app: string;
  cron: string;
  counts: { ok: number; error: number; timeout: number; skipped: number };
}

/** The runtime's settings, as plugins may read them (no secrets). */
export interface RuntimeConfig {
  appsDir: string;
  poolSize: number;
  maxBodySize: number;
  shutdownTimeoutSeconds: number;
  /** This node's id (`BUNTIME_NODE_ID`, default host name + pid): its name in a cluster. */
  nodeId?: string;
}

/** What `onInit` receives. */
export interface InitContext {
  /** The runtime's settings. */
  config: Readonly<RuntimeConfig>;
  logger: PluginLogger;
  /** Read-only view of the pool. */
  pool: { workers(): WorkerInfo[] };
  /** Read-only view of the apps' schedules and what their runs came to (counts since start). */
  schedules?: { list(): ScheduleInfo[] };
  /** Subscribe to request outcomes (for metrics): called once per answered request. */
  onRequestEnd(listener: (event: RequestEndEvent) => void): void;
  /** Subscribe to lifecycle events. */
  onWorkerEvent(listener: (type: WorkerEventType, event: WorkerEvent) => void): void;
  /**
   * Subscribe to versions leaving the server (deleted, or gone from `APPS_DIR`): what a plugin
   * keeps per app or version (metric series, counts) can go with them. Optional (added in 0.1.x):
   * the runtime always gives it; an `InitContext` a plugin's own tests build may leave it out.
   */
  onVersionRemoved?(listener: (event: VersionRemovedEvent) => void): void;
}

/** A version no longer on this node; `lastOfApp`: the app has no version left. */
export interface VersionRemovedEvent {
  app: string;
  version: string;
  lastOfApp: boolean;
}

export type WorkerEventType = "spawn" | "ready" | "recycle" | "terminate" | "crash";

export interface RequestEndEvent {
  app: string | undefined;
  version: string | undefined;
  method: string;
  status: number;
  durationMs: number;
  /** The runtime's error code when it answered with an error. */
  code: string | undefined;
}

type MaybePromise<T> = T | Promise<T>;

/** A hook: any function of that signature (the schema checks that it is a function). */
const hook = <F extends (...args: never[]) => unknown>() =>
  z.custom<F>((value) => typeof value === "function", "expected a function");

/**
 * A plugin: a plain object with a name, ordering and hooks. This schema is the one source of
 * the plugin's shape: the runtime checks every loaded plugin against it, and `Plugin` is its type.
 */
export const pluginSchema = z.object({
  /** e.g. `@buntime/metrics` or `audit`; routes mount at `/_/<name without scope>`. */
  name: z.string().min(1),
  /** Lower runs first. Default 100. */
  priority: z.number().optional(),
  /** Names of plugins that must load (and run) before this one. */
  dependencies: z.array(z.string()).optional(),
  onInit: hook<(ctx: InitContext) => MaybePromise<void>>().optional(),
  /** Return a `Response` to answer, a `Request` to replace the request, or nothing to pass on. */
  onRequest:
    hook<(request: Request, ctx: RequestContext) => MaybePromise<Response | Request | undefined | void>>().optional(),
  /** Return a `Response` to replace the response. */
  onResponse: hook<(response: Response, ctx: RequestContext) => MaybePromise<Response | undefined | void>>().optional(),
  onWorkerSpawn: hook<(event: WorkerEvent) => MaybePromise<void>>().optional(),
  onWorkerTerminate: hook<(event: WorkerEvent) => MaybePromise<void>>().optional(),
  onShutdown: hook<() => MaybePromise<void>>().optional(),
  /** A Hono app, mounted at `/_/<short name>`. */
  routes: z
    .custom<Hono>((value) => typeof (value as { fetch?: unknown } | null)?.fetch === "function", "expected a Hono app")
    .optional(),
});

/** A plugin: a plain object with a name, ordering and hooks (the type of `pluginSchema`). */
export type Plugin = z.output<typeof pluginSchema>;

/** What `definePlugin` takes: a plugin whose hooks come from `setup(options)`. */
export interface PluginDefinition<S extends z.ZodType> {
  name: string;
  priority?: number;
  dependencies?: string[];
  /** The options schema: options are validated (errors name the field) before `setup`. */
  options?: S;
  setup?(options: z.output<S>): MaybePromise<Omit<Plugin, "name" | "priority" | "dependencies">>;
}

/** `(options) => plugin`: what a plugin module may export by default. */
export interface PluginFactory {
  (options: unknown): Promise<Plugin>;
  readonly pluginName: string;
}

/** Thrown when a plugin's options fail its schema; the message names the field. */
export class PluginOptionsError extends Error {
  override readonly name = "PluginOptionsError";
}

/**
 * Makes a plugin factory with validated, typed options.
 *
 * @example
 * import { definePlugin } from "@buntime/sdk";
 * import { z } from "zod";
 *
 * export default definePlugin({
 *   name: "audit",
 *   options: z.object({ level: z.enum(["info", "debug"]).default("info") }),
 *   setup: ({ level }) => ({
 *     onRequest(request, ctx) {
 *       ctx.logger[level]("request", { path: ctx.path });
 *     },
 *   }),
 * });
 */
export function definePlugin<S extends z.ZodType = z.ZodType<unknown>>(definition: PluginDefinition<S>): PluginFactory {
  const factory = async (raw: unknown): Promise<Plugin> => {
    let options: unknown = raw;
    if (definition.options) {
      const result = definition.options.safeParse(raw ?? {});
      if (!result.success) {
        throw new PluginOptionsError(`${definition.name}: invalid options: ${formatIssues(result.error, "(options)")}`);
      }
      options = result.data;
    }
    const hooks = (await definition.setup?.(options as z.output<S>)) ?? {};
    return {
      ...hooks,
      name: definition.name,
      priority: definition.priority,
      dependencies: definition.dependencies,
    };
  };
  return Object.assign(factory, { pluginName: definition.name });
}
