/**
 * The naive proxy's worker (see naive-host.ts): the first message names the app module, each
 * next one is a request `{ method, url }`, answered with `{ status, body }` as a JSON string,
 * strictly in arrival order (answers carry no id).
 */
import { resolve } from "node:path";

declare const self: Worker;

interface App {
  fetch(request: Request): Response | Promise<Response>;
}

let app: App | undefined;
/** The previous answer: each request is answered after it, so the host can match them in order. */
let previous: Promise<void> = Promise.resolve();

self.onmessage = async (event: MessageEvent<string>) => {
  if (!app) {
    app = ((await import(resolve(event.data))) as { default: App }).default;
    self.postMessage("ready");
    return;
  }
  const { method, url } = JSON.parse(event.data) as { method: string; url: string };
  const loaded = app;
  const answer = (async () => {
    const response = await loaded.fetch(new Request(url, { method }));
    return JSON.stringify({ status: response.status, body: await response.text() });
  })();
  previous = previous.then(async () => self.postMessage(await answer));
};
