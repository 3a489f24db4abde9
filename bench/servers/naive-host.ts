/**
 * The naive proxy, the floor of the runtime's design (`bun bench/servers/naive-host.ts <app module>`):
 * Bun.serve in the main thread, one worker thread running the app (naive-worker.ts), and for
 * each request one postMessage of a JSON string each way. Nothing else: no headers, no request
 * ids (the worker answers in order, so answers are matched first in, first out), no bodies in,
 * no routing, timeouts, limits, batching or metrics. Whatever the runtime costs above this is
 * what its features cost. Prints "Naive proxy listening on http://HOST:PORT/" once the worker
 * has the app loaded.
 */
const module = process.argv[2];
if (!module) {
  console.error("usage: bun bench/servers/naive-host.ts <app module>");
  process.exit(2);
}

const worker = new Worker(new URL("./naive-worker.ts", import.meta.url).href);
/** Resolvers of the requests sent, oldest first: answers come back in the order sent. */
const waiting: Array<(response: Response) => void> = [];
let loaded: () => void = () => {};
const ready = new Promise<void>((resolve) => {
  loaded = resolve;
});
worker.onmessage = (event: MessageEvent<string>) => {
  if (event.data === "ready") return loaded();
  const answer = JSON.parse(event.data) as { status: number; body: string };
  waiting.shift()?.(new Response(answer.body, { status: answer.status }));
};
worker.postMessage(module);
await ready;

const server = Bun.serve({
  port: Number(process.env.PORT ?? 0),
  hostname: process.env.HOST ?? "127.0.0.1",
  idleTimeout: 120,
  fetch(request) {
    return new Promise<Response>((resolve) => {
      waiting.push(resolve);
      worker.postMessage(JSON.stringify({ method: request.method, url: request.url }));
    });
  },
});
console.log(`Naive proxy listening on ${server.url.href}`);
