/**
 * The baseline server: `bun bench/plain-server.ts <app module>` imports the module's default
 * export and serves it with Bun.serve in the main thread, with none of the runtime in between.
 * Prints "Plain Bun.serve listening on http://HOST:PORT/" once listening.
 */
import { resolve } from "node:path";

interface App {
  fetch(request: Request, server: unknown): Response | undefined | Promise<Response | undefined>;
  /** WebSocket handlers (the `ws` scenario's app), as Bun.serve takes them. */
  websocket?: Parameters<typeof Bun.serve>[0] extends { websocket?: infer W } ? W : never;
}

const module = process.argv[2];
if (!module) {
  console.error("usage: bun bench/plain-server.ts <app module>");
  process.exit(2);
}
const app = ((await import(resolve(module))) as { default: App }).default;
const server = Bun.serve({
  port: Number(process.env.PORT ?? 0),
  hostname: process.env.HOST ?? "127.0.0.1",
  // As the runtime does (server/src/server.ts): no socket idle limit in the way of long streams.
  idleTimeout: 120,
  fetch: (request, server) => app.fetch(request, server),
  ...(app.websocket ? { websocket: app.websocket } : {}),
} as Parameters<typeof Bun.serve>[0]);
console.log(`Plain Bun.serve listening on ${server.url.href}`);
