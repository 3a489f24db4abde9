/**
 * docs/configuration.md#worker-config: no request is lost to a change. A request waiting in a
 * version's queue when the version changes on disk is served by the new code; when the version is
 * removed, by what its range resolves to then.
 */
import { afterAll, beforeAll, expect, test } from "bun:test";
import { rmSync } from "node:fs";
import { join } from "node:path";
import { writeAppCode } from "./_pool-helpers.ts";
import { eventually, startTestServer, stopThenRemove, type TestServer, tempAppsDir } from "./_setup.ts";

/** `/hold` waits for the test's gate before answering: the one slot stays taken until then. */
const code = (answer: string) => `export default {
  async fetch(request) {
    if (new URL(request.url).pathname === "/hold") await fetch(process.env.GATE);
    return new Response("${answer}");
  },
};
`;

/** One request at a time, so a second one waits in the queue; `GATE` is the test's gate server. */
const config = () => ({ concurrency: 1, maxQueue: 10, env: { GATE: `http://127.0.0.1:${gate.port}/` } });

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
  writeAppCode(apps.dir, "changing", code("v1"), config());
  writeAppCode(apps.dir, "versions", code("1.0.0"), config(), "1.0.0");
  writeAppCode(apps.dir, "versions", code("1.1.0"), config(), "1.1.0");
  server = await startTestServer({ APPS_DIR: apps.dir });
});

afterAll(async () => {
  for (const open of held) open();
  gate?.stop(true);
  await stopThenRemove(server, apps);
});

test("a queued request whose version changes on disk is served by the new code", async () => {
  const first = fetch(server.at("/changing/hold"));
  await someoneHeld; // the worker's one slot is taken
  const queued = fetch(server.at("/changing/"));
  await eventually(() => server.pool.busy() === 2); // one in flight, one waiting

  writeAppCode(apps.dir, "changing", code("v2"), config());
  server.catalog.invalidate("changing@1.0.0");

  const answer = await queued;
  expect(answer.status).toBe(200);
  expect(await answer.text()).toBe("v2");
  for (const open of held) open();
  expect(await (await first).text()).toBe("v1"); // the old worker finished what it had
});

test("a queued request whose version is removed is served by what its range resolves to now", async () => {
  const heldBefore = held.length;
  const first = fetch(server.at("/versions/hold"));
  await eventually(() => held.length > heldBefore); // 1.1.0's one slot is taken
  const queued = fetch(server.at("/versions/"));
  const exact = fetch(server.at("/versions@1.1.0/"));
  await eventually(() => server.pool.busy() === 3);

  rmSync(join(apps.dir, "versions", "1.1.0"), { recursive: true });
  server.catalog.refresh();

  const answer = await queued;
  expect(answer.status).toBe(200);
  expect(await answer.text()).toBe("1.0.0");
  const gone = await exact;
  expect(gone.status).toBe(404);
  expect(((await gone.json()) as { error: { code: string } }).error.code).toBe("VERSION_NOT_FOUND");
  for (const open of held) open();
  expect(await (await first).text()).toBe("1.1.0");
});
