/**
 * The runtime's worker pool alone (`bun bench/servers/pool-host.ts <app module>`): Bun.serve in
 * the main thread hands every request straight to `WorkerPool.dispatch` for the module's app
 * version. The runtime's workers, wire protocol, batching and guest are all there; its request
 * pipeline is not: no routing, no request id or trace context, no headers added to the request
 * or stamped on the response, no idle-timeout lift, metrics or stats. Between the naive proxy and
 * the runtime, it tells the two layers' costs apart (bench/README.md, "Where the time goes").
 * The module must sit at `<apps>/<name>/<version>/` (as apps.ts writes them). Prints "Pool alone
 * listening on http://HOST:PORT/" once the app's worker is ready.
 */
import { basename, dirname } from "node:path";
import { loadEnv, silentLogger, startServer } from "@buntime/server";

const module = process.argv[2];
if (!module) {
  console.error("usage: bun bench/servers/pool-host.ts <app module>");
  process.exit(2);
}
const versionDir = dirname(module);
const appDir = dirname(versionDir);
const runtime = await startServer({
  env: loadEnv({ PORT: "0", HOST: "127.0.0.1", APPS_DIR: dirname(appDir), LOG_LEVEL: "warn" }),
  logger: silentLogger,
});
const app = await runtime.catalog.resolveApp(basename(appDir), basename(versionDir));
// The first request starts the worker: served before listening, as the naive proxy waits for its own.
await (
  await runtime.pool.dispatch(app, { request: new Request("http://127.0.0.1/"), url: "http://127.0.0.1/", headers: {} })
).text();

const server = Bun.serve({
  port: Number(process.env.PORT ?? 0),
  hostname: process.env.HOST ?? "127.0.0.1",
  idleTimeout: 120,
  fetch: (request) => runtime.pool.dispatch(app, { request, url: request.url, headers: {} }),
});
console.log(`Pool alone listening on ${server.url.href}`);
