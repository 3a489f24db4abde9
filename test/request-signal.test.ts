/**
 * An app's `request.signal` aborts when its client goes away (guest/request-signal.ts makes the
 * signal on first read; pool/abort-watch.ts watches a client only once its request has been
 * unanswered for a second), whether the app read the signal before or after the abort.
 */
import { afterAll, beforeAll, expect, test } from "bun:test";
import { writeAppCode } from "./_pool-helpers.ts";
import { eventually, startTestServer, type TestServer, tempAppsDir } from "./_setup.ts";

/** `/?wait`: waits for the signal (read at once); `/?late`: reads it only after 2.5 s; `/?last`: what the last wait saw. */
const APP = `let last = "none";
function watch(signal) {
  return new Promise((resolve) => {
    if (signal.aborted) return resolve("aborted: " + signal.reason?.message);
    signal.addEventListener("abort", () => resolve("aborted: " + signal.reason?.message));
    setTimeout(() => resolve("not aborted"), 8000);
  });
}
export default {
  async fetch(request) {
    const url = new URL(request.url);
    if (url.searchParams.has("last")) return new Response(last);
    last = "waiting";
    if (url.searchParams.has("late")) await new Promise((resolve) => setTimeout(resolve, 2500));
    last = await watch(request.signal);
    return new Response(last);
  },
};
`;

let server: TestServer;
let apps: ReturnType<typeof tempAppsDir>;

beforeAll(async () => {
  apps = tempAppsDir();
  writeAppCode(apps.dir, "abortable", APP, { timeout: 20 });
  server = await startTestServer({ APPS_DIR: apps.dir });
});

afterAll(async () => {
  await server?.stop();
  apps?.remove();
});

const last = async () => (await fetch(server.at("/abortable/?last"))).text();

for (const [mode, when] of [
  ["wait", "read before the abort"],
  ["late", "first read after the abort"],
] as const) {
  test(`a client that goes away aborts request.signal (${when})`, async () => {
    const client = new AbortController();
    const pending = fetch(server.at(`/abortable/?${mode}`), { signal: client.signal }).catch(() => "client aborted");
    await eventually(async () => (await last()) === "waiting", 5000);
    // The host listens for a client's abort only once its request has waited a second: there
    // is no event to wait for before that.
    await Bun.sleep(1300);
    client.abort();
    expect(await pending).toBe("client aborted");
    await eventually(async () => (await last()).startsWith("aborted"), 8000);
    expect(await last()).toMatch(/^aborted: /);
  }, 20_000);
}
