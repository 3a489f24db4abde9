import type { RequestContext } from "@buntime/sdk";
import type { Hono } from "hono";
import { getPath } from "hono/utils/url";
import type { AdminGuard } from "../admin/guard.ts";
import { ownHostAnswer } from "../admin/own-host.ts";
import type { AppCatalog } from "../apps/catalog.ts";
import { keyOf } from "../apps/version-key.ts";
import { BuntimeError, errorCodeOf, errorResponse, toBuntimeError } from "../errors.ts";
import { getIdentity, IDENTITY_HEADER } from "../plugins/builtin/identity.ts";
import type { PluginHost } from "../plugins/host.ts";
import type { WorkerPool } from "../pool/pool.ts";
import { type HostSocket, upgradeOf } from "../pool/socket.ts";
import type { Releases } from "../releases/releases.ts";
import type { StatsCollector } from "../stats/collector.ts";
import { isInternalPath } from "../util/internal-path.ts";
import { judgedPath } from "../util/judged-path.ts";
import type { Logger } from "../util/log.ts";
import { type AppResolution, resolveAppRequest, resolvedApp, serveApp } from "./app-route.ts";
import { liftIdleTimeout, type RequestSocket, restoreIdleTimeout } from "./idle-timeout.ts";
import { rootRedirect } from "./root-redirect.ts";
import { requestUrl } from "./target.ts";

export interface PipelineDeps {
  catalog: AppCatalog;
  pool: WorkerPool;
  plugins: PluginHost;
  stats: StatsCollector;
  logger: Logger;
  /** The `/_/` routes: the runtime's own and the plugins'. */
  internal: Hono;
  maxBodySize: number;
  /** The admin guard around the hooks of `/_/` admin routes (docs/admin.md). */
  guard: AdminGuard;
  /** HTTP_IDLE_TIMEOUT: what a connection's idle timeout goes back to after a lifted answer. */
  idleTimeoutSeconds: number;
  /** Tags and traffic splits (docs/releases.md); without it, the path's range alone decides. */
  releases?: Releases;
}

const REQUEST_ID = /^[\w.:@/+=-]{1,200}$/;

/** One request's facts, from its arrival to its log line. */
interface Trip {
  request: Request;
  url: URL;
  requestId: string;
  started: number;
  resolution: AppResolution | undefined;
  /**
   * The path the guard and the hooks judge, for a `/_/` route (undefined for an app route until a
   * hook needs it): as a router matches it, percent-decoded (Hono's `getPath`), so `/_/%6beys`
   * is judged as the `/_/keys` it reaches and a policy on `/echo/admin/**` holds for
   * `/echo/%61dmin/x`, which the app's router decodes alike.
   */
  path: string | undefined;
  /** An admin route: the guard runs before and after the hooks. */
  admin: boolean;
  /** Who an admin route's caller is (key name, token subject, "admin-token"): internal routes read it. */
  caller?: string;
}

/**
 * Every request's way through the runtime: resolve the app (for app routes), `onRequest`
 * hooks, the route (an app worker or a `/_/` route), `onResponse` hooks, then the contract's
 * headers, the request log line and the metrics.
 *
 * Without hooks and for a loaded version (the hot path) it is synchronous up to the worker's
 * answer and adds one reaction to it (`then`), no promise layers of its own. Hooks and a
 * version still loading take the async path, `answerAsync`.
 *
 * A request whose target or Host makes no URL is answered 400 REQUEST_INVALID before anything
 * else runs. While an answer is pending, `socket`'s idle timeout is lifted (see idle-timeout.ts);
 * requests made in-process have no socket.
 */
export function createPipeline(
  deps: PipelineDeps,
): (request: Request, socket?: RequestSocket) => Response | undefined | Promise<Response | undefined> {
  const { plugins, stats, logger, idleTimeoutSeconds: idle } = deps;
  const { dashboardHost } = deps.guard;
  const logsRequests = logger.isLevelEnabled("info");
  return (request, socket) => {
    const started = performance.now();
    // Only the runtime sets it (authn, after verifying a token: its hook runs after this), so an
    // app can trust it (docs/extensions.md#buntimeauthn), with or without authn.
    request.headers.delete(IDENTITY_HEADER);
    const clientId = request.headers.get("x-request-id");
    const requestId = clientId && REQUEST_ID.test(clientId) ? clientId : crypto.randomUUID();
    stats.requestStarted();
    let url: URL;
    try {
      url = requestUrl(request);
    } catch (error) {
      const response = stamp(errorResponse(toBuntimeError(error)), requestId, undefined);
      record(response, request, requestId, started, undefined, undefined);
      return response;
    }
    const internal = isInternalPath(url.pathname);
    const path = internal ? getPath(request) : undefined;
    const admin = path !== undefined && deps.guard.protects(request.method, path);
    const trip: Trip = { request, url, path, requestId, started, resolution: undefined, admin };
    const toDashboard = internal ? undefined : rootRedirect(request, url.pathname);
    if (toDashboard) return finish(toDashboard, trip);
    const elsewhere = dashboardHost === undefined ? undefined : ownHostAnswer(request, url, path, dashboardHost);
    if (elsewhere) return finish(elsewhere, trip);
    let answer: Response | Promise<Response>;
    try {
      const resolving = internal ? undefined : resolveAppRequest(url, deps.catalog, deps.releases, request.headers);
      if (admin || resolving instanceof Promise || plugins.hasRequestHooks || plugins.hasResponseHooks) {
        answer = answerAsync(trip, resolving, socket);
      } else {
        trip.resolution = resolving;
        answer = route(trip);
      }
    } catch (error) {
      answer = errorResponse(toBuntimeError(error));
    }
    if (answer instanceof Promise) {
      if (socket) liftIdleTimeout(socket, request);
      return answer.then(
        (response) => {
          const sent = finish(response, trip, socket);
          // Upgraded: the connection is a WebSocket now, with Bun's own idle handling.
          return sent && restoreIdleTimeout(socket, request, sent, idle);
        },
        (error) => restoreIdleTimeout(socket, request, finish(errorResponse(toBuntimeError(error)), trip), idle),
      );
    }
    return finish(answer, trip, socket);
  };

  /** The async path: a version still loading, the plugins' hooks, and the admin guard. */
  async function answerAsync(
    trip: Trip,
    resolving: AppResolution | Promise<AppResolution> | undefined,
    socket: RequestSocket | undefined,
  ): Promise<Response> {
    trip.resolution = await resolving;
    // The context is built only when a plugin or the guard will read it.
    const ctx = trip.admin || plugins.hasRequestHooks || plugins.hasResponseHooks ? context(trip, socket) : undefined;
    let answered: Response | undefined;
    if (ctx && trip.admin) answered = await deps.guard.before(trip.request, ctx);
    if (!answered && ctx && plugins.hasRequestHooks) {
      const result = await plugins.runRequest(trip.request, ctx);
      if (result instanceof Response) answered = result;
      else trip = { ...trip, request: result };
    }
    if (!answered && ctx && trip.admin) answered = deps.guard.after(trip.request, ctx);
    if (ctx && trip.admin) trip.caller = getIdentity(ctx)?.sub;
    let response = answered ?? (await route(trip));
    // An upgrade's 101 is no answer a hook could change: the connection becomes the app's socket.
    if (ctx && plugins.hasResponseHooks && !upgradeOf(response)) response = await plugins.runResponse(response, ctx);
    return response;
  }

  /**
   * The contract's headers, the metrics and the log line; returns the response to send, or
   * undefined when the app upgraded the request and the connection became its WebSocket.
   */
  function finish(answer: Response, trip: Trip): Response;
  function finish(answer: Response, trip: Trip, socket: RequestSocket | undefined): Response | undefined;
  function finish(answer: Response, trip: Trip, socket?: RequestSocket): Response | undefined {
    const upgrade = upgradeOf(answer);
    if (upgrade) return upgradeConnection(upgrade, answer, trip, socket);
    const { resolution, requestId, request } = trip;
    const response = stamp(answer, requestId, resolution);
    record(response, request, requestId, trip.started, resolution?.app, trip.url.pathname);
    return response;
  }

  /**
   * The app upgraded the request: Bun upgrades the client's connection (the request Bun handed
   * over, not a plugin's copy), whose WebSocket events reach `upgrade` (`http/websocket.ts`).
   * Without a connection (a request made in-process) it cannot be: 400, and the app hears of a close.
   */
  function upgradeConnection(
    upgrade: HostSocket,
    answer: Response,
    trip: Trip,
    socket: RequestSocket | undefined,
  ): Response | undefined {
    const { resolution, requestId, request } = trip;
    const headers = stamp(answer, requestId, resolution).headers;
    if (socket?.upgrade?.(request, { data: upgrade, headers })) {
      record(answer, request, requestId, trip.started, resolution?.app, trip.url.pathname);
      return undefined;
    }
    upgrade.refused();
    const refused = new BuntimeError("REQUEST_INVALID", "a WebSocket upgrade needs the client's own connection");
    return finish(errorResponse(refused), trip);
  }

  /** The metrics, the plugins' `onRequestEnd` and the log line of an answered request. */
  function record(
    response: Response,
    request: Request,
    requestId: string,
    started: number,
    app: AppResolution["app"],
    path: string | undefined,
  ): void {
    const durationMs = performance.now() - started;
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
        path,
        app: app?.name,
        version: app?.version,
        status: response.status,
        ms: Math.round(durationMs * 100) / 100,
        code: event.code,
      });
  }

  function context({ request, path, requestId, resolution }: Trip, socket: RequestSocket | undefined): RequestContext {
    return {
      requestId,
      app: resolvedApp(resolution?.app),
      target: resolution?.target && { name: resolution.target.name, range: resolution.target.range },
      // For an app route, the app's name alone as its first segment: `/echo@1/admin/x` serves what
      // `/echo/admin/x` does, so a rule on `/echo/admin/**` must hold for both.
      path: path ?? (resolution?.target ? judgedPath(getPath(request)) : getPath(request)),
      get clientAddress() {
        // The request Bun handed over: a plugin's replacement is not known to the socket.
        return socket?.requestIP(request)?.address;
      },
      vars: new Map(),
      logger,
    };
  }

  function route(trip: Trip): Response | Promise<Response> {
    const { request, url, resolution, requestId } = trip;
    if (!resolution) return deps.internal.fetch(request, { caller: trip.caller });
    if (resolution.error || !resolution.target || !resolution.app) {
      return errorResponse(toBuntimeError(resolution.error));
    }
    return serveApp(request, url, resolution.target, resolution.app, requestId, deps, resolution);
  }
}

/** Adds `x-request-id` (and `x-buntime-app` for app routes), copying the response if it is immutable. */
function stamp(response: Response, requestId: string, resolution: AppResolution | undefined): Response {
  const app = resolution?.app;
  try {
    response.headers.set("x-request-id", requestId);
    if (app) response.headers.set("x-buntime-app", keyOf(app));
    return response;
  } catch {
    // Responses from fetch() have immutable headers: copy.
    const copy = new Response(response.body, response);
    return stamp(copy, requestId, resolution);
  }
}
