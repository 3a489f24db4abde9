/**
 * What an app's entrypoint module exports by default: the shape `Bun.serve` takes.
 * A Hono app qualifies as it is.
 */
export interface AppModule {
  /** Answers one request. The URL has the `/<name>[@<range>]` prefix removed. */
  fetch(request: Request): Response | Promise<Response>;
  /** Exact-path routes, answered before `fetch`: a `Response`, a handler, or a method map. */
  routes?: Record<string, AppRoute>;
  /** Called when the worker becomes idle (no request in flight). */
  onIdle?(): void | Promise<void>;
  /** Called once before the worker is terminated. */
  onTerminate?(): void | Promise<void>;
}

export type AppHandler = (request: Request) => Response | Promise<Response>;
export type AppRoute = Response | AppHandler | Partial<Record<string, Response | AppHandler>>;

/**
 * Types an app module; returns it unchanged.
 *
 * @example
 * import { defineApp } from "@buntime/sdk";
 * export default defineApp({ fetch: () => new Response("hello") });
 */
export function defineApp<T extends AppModule>(app: T): T {
  return app;
}
