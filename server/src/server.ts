import { Hono } from "hono";
import { AppCatalog } from "./apps/catalog.ts";
import type { ServerEnv } from "./constants.ts";
import { BuntimeError, errorResponse } from "./errors.ts";
import { createAppHandler } from "./http/app-route.ts";
import { internalRoutes } from "./http/internal.ts";
import type { Clock } from "./pool/clock.ts";
import { WorkerPool } from "./pool/pool.ts";
import { createLogger, type Logger } from "./util/log.ts";

export interface ServerOptions {
  env: ServerEnv;
  logger?: Logger;
  clock?: Clock;
}

/** A running Buntime server. */
export interface RunningServer {
  readonly url: URL;
  readonly port: number;
  readonly catalog: AppCatalog;
  readonly pool: WorkerPool;
  /** The Hono app behind the socket; `fetch` it to serve a request in-process. */
  readonly app: Hono;
  /**
   * Stops accepting, lets in-flight requests finish for up to `graceMs`, then terminates every
   * worker. Idempotent.
   */
  stop(graceMs?: number): Promise<void>;
}

/** Bun.serve's default `idleTimeout` is 10 s; apps' own `timeout` bounds their requests instead. */
const SOCKET_IDLE_SECONDS = 120;

/**
 * Starts Buntime: the app catalogue, the worker pool and the HTTP server.
 *
 * @example
 * const server = await startServer({ env: loadEnv({ PORT: "0" }) });
 * await fetch(new URL("/hello/", server.url));
 * await server.stop();
 */
export async function startServer(options: ServerOptions): Promise<RunningServer> {
  const { env } = options;
  const logger = options.logger ?? createLogger();
  const catalog = new AppCatalog(env.APPS_DIR, { logger });
  catalog.watch();
  const pool = new WorkerPool({ size: env.POOL_SIZE, logger, clock: options.clock });
  const unwatch = catalog.onChange((key) => pool.retire(key, "changed"));
  let draining = false;

  const app = new Hono();
  app.route("/_", internalRoutes({ isDraining: () => draining }));
  app.all("/_/*", (c) => errorResponse(new BuntimeError("NOT_FOUND", `no internal route ${c.req.path}`)));
  const serveApp = createAppHandler({ catalog, pool, maxBodySize: env.MAX_BODY_SIZE });
  app.all("*", (c) => serveApp(c.req.raw));
  app.onError((error) => {
    logger.error("unhandled error", { error: String(error) });
    return errorResponse(new BuntimeError("INTERNAL_ERROR", "internal error"));
  });

  const server = Bun.serve({
    port: env.PORT,
    hostname: env.HOST,
    idleTimeout: SOCKET_IDLE_SECONDS,
    // Our own limit (http/body-limit.ts) answers 413 as JSON; Bun's would answer first, bare.
    maxRequestBodySize: Number.MAX_SAFE_INTEGER,
    fetch(request, bunServer) {
      // Long responses (slow apps, event streams) are bounded by the app's timeout, not the socket's.
      if (!request.url.includes("/_/")) bunServer.timeout(request, 0);
      return app.fetch(request);
    },
  });

  let stopping: Promise<void> | undefined;
  const stop = (graceMs = env.SHUTDOWN_TIMEOUT * 1000) => {
    stopping ??= (async () => {
      draining = true;
      unwatch();
      catalog.close();
      const closed = server.stop(false);
      await pool.close(graceMs);
      await Promise.race([closed, Bun.sleep(100)]);
      server.stop(true);
    })();
    return stopping;
  };

  const url = new URL(`http://${env.HOST === "0.0.0.0" ? "127.0.0.1" : env.HOST}:${server.port}/`);
  return { url, port: server.port as number, catalog, pool, app, stop };
}
