import type { RequestContext } from "@buntime/sdk";
import type { Hono } from "hono";
import type { AppCatalog } from "../apps/catalog.ts";
import { errorCodeOf, errorResponse, toBuntimeError } from "../errors.ts";
import type { PluginHost } from "../plugins/host.ts";
import type { WorkerPool } from "../pool/pool.ts";
import type { StatsCollector } from "../stats/collector.ts";
import type { Logger } from "../util/log.ts";
import { type AppResolution, resolveAppRequest, resolvedApp, serveApp } from "./app-route.ts";

export interface PipelineDeps {
  catalog: AppCatalog;
  pool: WorkerPool;
  plugins: PluginHost;
  stats: StatsCollector;
  logger: Logger;
  /** The `/_/` routes: the runtime's own and the plugins'. */
  internal: Hono;
  maxBodySize: number;
}

const REQUEST_ID = /^[\w.:@/+=-]{1,200}$/;

/**
 * Every request's way through the runtime: resolve the app (for app routes), `onRequest`
 * hooks, the route (an app worker or a `/_/` route), `onResponse` hooks, then the contract's
 * headers, the request log line and the metrics.
 */
export function createPipeline(
  deps: PipelineDeps,
): (request: Request, clientAddress?: () => string | undefined) => Promise<Response> {
  const { plugins, stats, logger } = deps;
  const logsRequests = logger.isLevelEnabled("info");
  return async (request, clientAddress) => {
    const started = performance.now();
    const url = new URL(request.url);
    const clientId = request.headers.get("x-request-id");
    const requestId = clientId && REQUEST_ID.test(clientId) ? clientId : crypto.randomUUID();
    const internal = url.pathname === "/_" || url.pathname.startsWith("/_/");
    stats.requestStarted();
    let resolution: AppResolution | undefined;
    let response: Response;
    try {
      if (!internal) {
        const resolving = resolveAppRequest(url, deps.catalog);
        resolution = resolving instanceof Promise ? await resolving : resolving;
      }
      // The context is built only when a plugin will read it: with no hooks the path costs nothing.
      const ctx =
        plugins.hasRequestHooks || plugins.hasResponseHooks
          ? context(url, requestId, resolution, clientAddress)
          : undefined;
      let forwarded = request;
      let answered: Response | undefined;
      if (ctx && plugins.hasRequestHooks) {
        const result = await plugins.runRequest(request, ctx);
        if (result instanceof Response) answered = result;
        else forwarded = result;
      }
      response = answered ?? (await route(forwarded, url, resolution, requestId));
      if (ctx && plugins.hasResponseHooks) response = await plugins.runResponse(response, ctx);
    } catch (error) {
      response = errorResponse(toBuntimeError(error));
    }
    response = stamp(response, requestId, resolution);
    const durationMs = performance.now() - started;
    const app = resolution?.app;
    const event = {
      app: app?.name,
      version: app?.version,
      method: request.method,
      status: response.status,
      durationMs,
      code: errorCodeOf(response),
    };
    stats.requestEnded(event);
    if (plugins.hasRequestEndListeners) plugins.requestEnded(event);
    if (logsRequests)
      logger.info("request", {
        requestId,
        method: request.method,
        path: url.pathname,
        app: app?.name,
        version: app?.version,
        status: response.status,
        ms: Math.round(durationMs * 100) / 100,
        code: event.code,
      });
    return response;
  };

  function context(
    url: URL,
    requestId: string,
    resolution: AppResolution | undefined,
    clientAddress: (() => string | undefined) | undefined,
  ): RequestContext {
    return {
      requestId,
      app: resolvedApp(resolution?.app),
      target: resolution?.target && { name: resolution.target.name, range: resolution.target.range },
      path: url.pathname,
      get clientAddress() {
        return clientAddress?.();
      },
      vars: new Map(),
      logger,
    };
  }

  function route(
    request: Request,
    url: URL,
    resolution: AppResolution | undefined,
    requestId: string,
  ): Promise<Response> {
    if (!resolution) return Promise.resolve(deps.internal.fetch(request));
    if (resolution.error || !resolution.target || !resolution.app) {
      return Promise.resolve(errorResponse(toBuntimeError(resolution.error)));
    }
    return serveApp(request, url, resolution.target, resolution.app, requestId, deps);
  }
}

/** Adds `x-request-id` (and `x-buntime-app` for app routes), copying the response if it is immutable. */
function stamp(response: Response, requestId: string, resolution: AppResolution | undefined): Response {
  const app = resolution?.app;
  try {
    response.headers.set("x-request-id", requestId);
    if (app) response.headers.set("x-buntime-app", `${app.name}@${app.version}`);
    return response;
  } catch {
    // Responses from fetch() have immutable headers: copy.
    const copy = new Response(response.body, response);
    return stamp(copy, requestId, resolution);
  }
}
