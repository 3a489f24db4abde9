// `@buntime/sdk/app`: what app code imports. It imports nothing, so a worker loading it pays
// nothing for it; the package's root evaluates zod for its schemas, about 33 ms of CPU at every
// worker start (measured, pinned to one core), paid again at every recycle.

/**
 * What an app's entrypoint module exports by default: the shape `Bun.serve` takes.
 * A Hono app qualifies as it is.
 */
export interface AppModule {
  /**
   * Answers one request. The URL has the `/<name>[@<range>]` prefix removed. `server` is Bun's
   * shape: `server.upgrade(request, { data })` makes it a WebSocket served by `websocket`
   * (then return nothing, as under `Bun.serve`), `server.publish(topic, data)` reaches the
   * subscribers on every worker of this version.
   */
  fetch(request: Request, server: AppServer): Response | undefined | Promise<Response | undefined>;
  /** WebSocket handlers, in the shape `Bun.serve` takes (`open`, `message`, `close`, `drain`, `error`). */
  websocket?: AppWebSocketHandlers;
  /** Exact-path routes, answered before `fetch`: a `Response`, a handler, or a method map. */
  routes?: Record<string, AppRoute>;
  /**
   * A run of one of the worker config's `schedules` (its `cron` as written, and the time it was
   * due, ms since the epoch). Bounded by the config's `timeout`; a throw or rejection counts as
   * an `error` outcome.
   */
  scheduled?(event: ScheduledEvent): void | Promise<void>;
  /** Called when the worker becomes idle (no request in flight). */
  onIdle?(): void | Promise<void>;
  /** Called once before the worker is terminated. */
  onTerminate?(): void | Promise<void>;
}

/** What the app's `scheduled` handler receives. */
export interface ScheduledEvent {
  /** The schedule's `cron`, as the worker config has it. */
  cron: string;
  /** When the run was due, in milliseconds since the epoch. */
  scheduledTime: number;
}

/** What an app's `fetch` receives as its second argument: the part of Bun's `Server` the runtime offers. */
export interface AppServer {
  // `headers`: what `new Headers()` takes, under any lib. The global name `HeadersInit` exists only
  // under lib "DOM", and an app's tsconfig from `bun init` has `lib: ["ESNext"]` (it type-checks
  // this file as shipped, from node_modules).
  upgrade<T = undefined>(
    request: Request,
    options?: { data?: T; headers?: ConstructorParameters<typeof Headers>[0] },
  ): boolean;
  publish(topic: string, data: string | ArrayBufferLike | ArrayBufferView, compress?: boolean): number;
  readonly pendingWebSockets: number;
}

/** A WebSocket as the app's handlers see it: Bun's `ServerWebSocket`. */
export type AppWebSocket<T = unknown> = import("bun").ServerWebSocket<T>;

/** The handlers of `websocket` (Bun's `WebSocketHandler` options the runtime owns are set by it). */
export interface AppWebSocketHandlers<T = unknown> {
  open?(ws: AppWebSocket<T>): void | Promise<void>;
  message?(ws: AppWebSocket<T>, message: string | Buffer): void | Promise<void>;
  close?(ws: AppWebSocket<T>, code: number, reason: string): void | Promise<void>;
  drain?(ws: AppWebSocket<T>): void | Promise<void>;
  error?(ws: AppWebSocket<T>, error: Error): void | Promise<void>;
}

export type AppHandler = (request: Request) => Response | Promise<Response>;
export type AppRoute = Response | AppHandler | Partial<Record<string, Response | AppHandler>>;

/**
 * Types an app module; returns it unchanged.
 *
 * @example
 * import { defineApp } from "@buntime/sdk/app";
 * export default defineApp({ fetch: () => new Response("hello") });
 */
export function defineApp<T extends AppModule>(app: T): T {
  return app;
}
