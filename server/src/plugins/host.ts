import type {
  InitContext,
  Plugin,
  RequestContext,
  RequestEndEvent,
  RuntimeConfig,
  ScheduleInfo,
  VersionRemovedEvent,
  WorkerEvent,
  WorkerEventType,
} from "@buntime/sdk";
import type { Hono } from "hono";
import { splitKey } from "../apps/version-key.ts";
import { BuntimeError } from "../errors.ts";
import type { PoolEmitter, WorkerRef } from "../pool/events.ts";
import type { WorkerPool } from "../pool/pool.ts";
import { pluginRoutePrefix } from "../util/internal-path.ts";
import type { Logger } from "../util/log.ts";
import { type LoadedPlugins, PluginLoadError } from "./load.ts";

/**
 * Runs the plugins' hooks in order. A hook that throws fails closed: the request is answered
 * 500 PLUGIN_FAILED (never passed on unchecked) and the error is logged with the plugin's name.
 * With no plugins, `hasRequestHooks`/`hasResponseHooks` are false and the pipeline skips them.
 */
export class PluginHost {
  plugins: readonly Plugin[];
  readonly #required: ReadonlySet<Plugin>;
  #onRequest: Plugin[] = [];
  #onResponse: Plugin[] = [];
  readonly #logger: Logger;
  readonly #requestEndListeners: ((event: RequestEndEvent) => void)[] = [];
  readonly #workerListeners: ((type: WorkerEventType, event: WorkerEvent) => void)[] = [];
  readonly #versionRemovedListeners: ((event: VersionRemovedEvent) => void)[] = [];

  constructor(loaded: LoadedPlugins, logger: Logger) {
    this.plugins = loaded.plugins;
    this.#required = loaded.required;
    this.#logger = logger;
    this.#index();
  }

  #index(): void {
    this.#onRequest = this.plugins.filter((p) => p.onRequest);
    this.#onResponse = this.plugins.filter((p) => p.onResponse);
  }

  get hasRequestHooks(): boolean {
    return this.#onRequest.length > 0;
  }

  get hasResponseHooks(): boolean {
    return this.#onResponse.length > 0;
  }

  get hasRequestEndListeners(): boolean {
    return this.#requestEndListeners.length > 0;
  }

  /**
   * Calls every `onInit` in order and wires lifecycle hooks to the pool's events. A required
   * plugin whose `onInit` throws stops the start (PluginLoadError); any other is dropped with a
   * warning, and so is every plugin that depends on a dropped one.
   */
  async init(pool: WorkerPool, config: RuntimeConfig, views: { schedules?: () => ScheduleInfo[] } = {}): Promise<void> {
    this.#wireWorkerEvents(pool.events);
    const dropped = new Set<string>();
    for (const plugin of this.plugins) {
      const missing = (plugin.dependencies ?? []).find((d) => dropped.has(d));
      if (missing) {
        if (this.#required.has(plugin)) {
          throw new PluginLoadError(`plugin ${plugin.name}: its dependency ${missing} failed to start`);
        }
        this.#logger.warn(`skipping plugin ${plugin.name}: its dependency ${missing} failed to start`);
        dropped.add(plugin.name);
        continue;
      }
      const ctx: InitContext = {
        config: Object.freeze({ ...config }),
        logger: this.#logger.child({ plugin: plugin.name }),
        pool: { workers: () => pool.snapshot() },
        ...(views.schedules && { schedules: { list: views.schedules } }),
        onRequestEnd: (listener) => this.#requestEndListeners.push(listener),
        onWorkerEvent: (listener) => this.#workerListeners.push(listener),
        onVersionRemoved: (listener) => this.#versionRemovedListeners.push(listener),
      };
      try {
        await plugin.onInit?.(ctx);
      } catch (error) {
        const message = `plugin ${plugin.name}: onInit failed: ${(error as Error).message}`;
        if (this.#required.has(plugin)) throw new PluginLoadError(message);
        this.#logger.warn(`skipping ${message}`);
        dropped.add(plugin.name);
      }
    }
    this.plugins = this.plugins.filter((p) => !dropped.has(p.name));
    this.#index();
  }

  /** Mounts each plugin's `routes` at `/_/<short name>`. */
  mountRoutes(app: Hono): void {
    for (const plugin of this.plugins) {
      if (plugin.routes) app.route(pluginRoutePrefix(plugin.name), plugin.routes);
    }
  }

  /** `onRequest` hooks in order: a Response answers, a Request replaces. */
  async runRequest(request: Request, ctx: RequestContext): Promise<Request | Response> {
    let current = request;
    for (const plugin of this.#onRequest) {
      let result: Response | Request | undefined | void;
      try {
        result = await plugin.onRequest?.(current, ctx);
      } catch (error) {
        throw this.#failure(plugin, "onRequest", error, ctx);
      }
      if (result instanceof Response) return result;
      if (result instanceof Request) current = result;
    }
    return current;
  }

  /** `onResponse` hooks in order; each may replace the response. */
  async runResponse(response: Response, ctx: RequestContext): Promise<Response> {
    let current = response;
    for (const plugin of this.#onResponse) {
      try {
        const result = await plugin.onResponse?.(current, ctx);
        if (result instanceof Response) current = result;
      } catch (error) {
        throw this.#failure(plugin, "onResponse", error, ctx);
      }
    }
    return current;
  }

  requestEnded(event: RequestEndEvent): void {
    this.#notify(this.#requestEndListeners, event, "request-end");
  }

  /** Tells the plugins that a version left the server (`onVersionRemoved`). */
  versionRemoved(event: VersionRemovedEvent): void {
    this.#notify(this.#versionRemovedListeners, event, "version-removed");
  }

  /** Calls every listener; one that throws is logged and the others still run. */
  #notify<E>(listeners: ((event: E) => void)[], event: E, what: string): void {
    for (const listener of listeners) {
      try {
        listener(event);
      } catch (error) {
        this.#logger.error(`${what} listener failed`, { error: String(error) });
      }
    }
  }

  /** Calls `onShutdown` in reverse order; errors are logged, the rest still run. */
  async shutdown(): Promise<void> {
    for (const plugin of [...this.plugins].reverse()) {
      try {
        await plugin.onShutdown?.();
      } catch (error) {
        this.#logger.error("plugin onShutdown failed", { plugin: plugin.name, error: String(error) });
      }
    }
  }

  #wireWorkerEvents(events: PoolEmitter): void {
    const forward = (type: WorkerEventType, ref: WorkerRef & { reason?: string }) => {
      const [app, version] = splitKey(ref.key);
      const event: WorkerEvent = { app, version, workerId: ref.workerId, reason: ref.reason };
      for (const listener of this.#workerListeners) listener(type, event);
      const hook = type === "spawn" ? "onWorkerSpawn" : type === "terminate" ? "onWorkerTerminate" : undefined;
      if (!hook) return;
      for (const plugin of this.plugins) {
        Promise.resolve()
          .then(() => plugin[hook]?.(event))
          .catch((error) => this.#logger.error(`plugin ${hook} failed`, { plugin: plugin.name, error: String(error) }));
      }
    };
    events.on("spawn", (ref) => forward("spawn", ref));
    events.on("ready", (ref) => forward("ready", ref));
    events.on("recycle", (ref) => forward("recycle", ref));
    events.on("terminate", (ref) => forward("terminate", ref));
    events.on("crash", (ref) => forward("crash", { ...ref, reason: ref.message }));
  }

  #failure(plugin: Plugin, hook: string, error: unknown, ctx: RequestContext): BuntimeError {
    this.#logger.error(`plugin ${hook} threw; failing closed`, {
      plugin: plugin.name,
      requestId: ctx.requestId,
      error: error instanceof Error ? error.message : String(error),
    });
    return new BuntimeError("PLUGIN_FAILED", `plugin ${plugin.name} failed in ${hook}`);
  }
}
