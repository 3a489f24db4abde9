/**
 * CONTRACT §3: no request is lost to a change. A request waiting in a version's queue when the
 * version changes on disk is served by the new code, not answered with an error.
 */
import { afterAll, beforeAll, expect, test } from "bun:test";
import { writeAppCode } from "./_pool-helpers.ts";
import { eventually, startTestServer, type TestServer, tempAppsDir } from "./_setup.ts";

/** `/hold` waits for the test's gate before answering: the one slot stays taken until then. */
const code = (answer: string) => `export default {
  async fetch(request) {
    if (new URL(request.url).pathname === "/hold") await fetch(process.env.GATE);
    return new Response("${answer}");
  },
};
`;

let apps: ReturnType<typeof tempAppsDir>;
let server: TestServer;
let gate: ReturnType<typeof Bun.serve>;
const held: (() => void)[] = [];
let heldOne: () => void = () => {};
const someoneHeld = new Promise<void>((resolve) => {
  heldOne = resolve;
});

beforeAll(async () => {
  gate = Bun.serve({
    port: 0,
    hostname: "127.0.0.1",
    fetch: () =>
      new Promise<Response>((resolve) => {
        held.push(() => resolve(new Response("open")));
        heldOne();
      }),
  });
  apps = tempAppsDir();
  writeAppCode(apps.dir, "changing", code("v1"), {
    concurrency: 1,
    maxQueue: 10,
    env: { GATE: `http://127.0.0.1:${gate.port}/` },
  });
  server = await startTestServer({ APPS_DIR: apps.dir });
});

afterAll(async () => {
  for (const open of held) open();
  await server?.stop();
  gate?.stop(true);
  apps?.remove();
});

test("a queued request whose version changes on disk is served by the new code", async () => {
  const first = fetch(server.at("/changing/hold"));
  await someoneHeld; // the worker's one slot is taken
  const queued = fetch(server.at("/changing/"));
  await eventually(() => server.pool.busy() === 2); // one in flight, one waiting

  writeAppCode(apps.dir, "changing", code("v2"), {
    concurrency: 1,
    maxQueue: 10,
    env: { GATE: `http://127.0.0.1:${gate.port}/` },
  });
  server.catalog.invalidate("changing@1.0.0");

  const answer = await queued;
  expect(answer.status).toBe(200);
  expect(await answer.text()).toBe("v2");
  for (const open of held) open();
  expect(await (await first).text()).toBe("v1"); // the old worker finished what it had
});
