/**
 * Crash isolation (docs/errors.md): an app that fails to load, exits, throws from a timer, leaves
 * rejections unhandled or blocks its event loop is answered for, replaced by a fresh worker, and
 * never slows another app.
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import {
  call,
  type EventLog,
  percentile,
  recordEvents,
  whenInFlight,
  writeApp,
  writeAppCode,
} from "./_pool-helpers.ts";
import { killServerProcesses, startServerProcess } from "./_server-process.ts";
import { eventually, FIXTURE_APPS, startTestServer, stopThenRemove, type TestServer, tempAppsDir } from "./_setup.ts";

/** Answers with its worker's id; `?exit-when=<file>` exits (process.exit) once that file exists. */
const EXITS_ON_CUE = `import { existsSync } from "node:fs";
const worker = crypto.randomUUID();
export default {
  async fetch(request) {
    const gate = new URL(request.url).searchParams.get("exit-when");
    if (gate) {
      while (!existsSync(gate)) await Bun.sleep(5);
      process.exit(7);
    }
    return Response.json({ worker });
  },
};
`;

/** An app whose module never finishes evaluating: a top-level await that never settles. */
const NEVER_LOADS = `await new Promise(() => {});
export default { fetch: () => new Response("unreachable") };
`;

let apps: ReturnType<typeof tempAppsDir>;
let server: TestServer;
let events: EventLog;

beforeAll(async () => {
  apps = tempAppsDir("exit-in-handler", "hello");
  // timeout 3: a request stuck by a bug answers 504 after 3 s instead of hanging the test.
  writeApp(apps.dir, "crash-on-import", "crash-on-import", { timeout: 3 });
  writeApp(apps.dir, "load-fails", "crash-on-import", { timeout: 3 });
  writeApp(apps.dir, "spin-briefly", "spin", { timeout: 2, concurrency: 10 });
  writeApp(apps.dir, "spin-long", "spin", { timeout: 3, concurrency: 10 });
  writeAppCode(apps.dir, "never-loads", NEVER_LOADS, { timeout: 1 });
  writeAppCode(apps.dir, "one-at-a-time", EXITS_ON_CUE, { concurrency: 1, maxWorkers: 1, timeout: 10 });
  server = await startTestServer(
    { APPS_DIR: apps.dir },
    // A crash loop that only a change on disk can end; no heartbeat racing the timeout's probe.
    { timing: { backoffBaseMs: 60_000, backoffMaxMs: 60_000, heartbeatMs: 60_000, probeMs: 200 } },
  );
  events = recordEvents(server.pool.events);
});

afterAll(async () => {
  killServerProcesses();
  await stopThenRemove(server, apps);
});

describe("an app that throws while loading", () => {
  test("answers 502 WORKER_START_FAILED; a request right after gets it at once, with no new spawn", async () => {
    const first = await call(server.at("/crash-on-import/"));
    expect(first.status).toBe(502);
    expect(first.code).toBe("WORKER_START_FAILED");
    expect(first.body.error.message).toContain("crash-on-import: failed at load");
    const again = await call(server.at("/crash-on-import/"));
    expect(again.code).toBe("WORKER_START_FAILED");
    expect(again.ms).toBeLessThan(200);
    expect(events.of("spawn", "crash-on-import@1.0.0")).toHaveLength(1); // backing off: no new worker
  });

  test("backs off until a change on disk", async () => {
    const key = "load-fails@1.0.0";
    expect((await call(server.at("/load-fails/"))).code).toBe("WORKER_START_FAILED");
    const failed = events.of("spawn", key)[0]?.workerId;
    await events.next("terminate", (e) => e.workerId === failed);
    for (let i = 0; i < 3; i++) expect((await call(server.at("/load-fails/"))).code).toBe("WORKER_START_FAILED");
    expect(events.of("spawn", key)).toHaveLength(1);

    writeFileSync(
      join(apps.dir, "load-fails", "1.0.0", "index.ts"),
      'export default { fetch: () => new Response("ok") };',
    );
    await eventually(async () => (await call(server.at("/load-fails/"))).status === 200, 3000);
    expect(events.of("spawn", key)).toHaveLength(2);
  });
});

describe("a worker that dies mid-request", () => {
  test("process.exit answers 502 WORKER_CRASHED at once; the next request gets a fresh worker", async () => {
    const before = await call(server.at("/exit-in-handler/"));
    const worker = events.of("ready", "exit-in-handler@1.0.0").at(-1)?.workerId;
    const exit = await call(server.at("/exit-in-handler/exit"));
    expect(exit.status).toBe(502);
    expect(exit.code).toBe("WORKER_CRASHED");
    expect(exit.ms).toBeLessThan(1000);
    expect((await events.next("terminate", (e) => e.workerId === worker)).reason).toBe("crashed");
    const after = await call(server.at("/exit-in-handler/"));
    expect(after.status).toBe(200);
    expect(after.body.worker).not.toBe(before.body.worker);
  });

  test("a throw from a timer answers 502 WORKER_CRASHED, well before the handler's own 5 s", async () => {
    const answer = await call(server.at("/exit-in-handler/throw-later"));
    expect(answer.status).toBe(502);
    expect(answer.code).toBe("WORKER_CRASHED");
    expect(answer.ms).toBeLessThan(2000);
    const next = await call(server.at("/exit-in-handler/"));
    expect(next.code).toBeUndefined();
    expect(next.status).toBe(200);
  });

  test("the other request in flight on the crashed worker gets 502 at once too", async () => {
    await call(server.at("/exit-in-handler/"));
    const waiting = call(server.at("/exit-in-handler/wait")); // would answer after 5 s
    await whenInFlight(server.pool, "exit-in-handler");
    const exit = await call(server.at("/exit-in-handler/exit"));
    expect(exit.code).toBe("WORKER_CRASHED");
    const other = await waiting;
    expect(other.status).toBe(502);
    expect(other.code).toBe("WORKER_CRASHED");
    expect(other.ms).toBeLessThan(2000);
    expect(other.doneAt - exit.doneAt).toBeLessThan(500);
  });
});

test("a request queued behind one whose worker crashes is served by a fresh worker, not sent into the dead one", async () => {
  const before = await call(server.at("/one-at-a-time/"));
  const gate = join(apps.dir, "exit-now");
  const crashing = call(server.at(`/one-at-a-time/?exit-when=${encodeURIComponent(gate)}`));
  await whenInFlight(server.pool, "one-at-a-time");
  const queued = call(server.at("/one-at-a-time/")); // concurrency 1: it waits for the slot
  await eventually(() => server.pool.busy() === 2);
  writeFileSync(gate, "");
  expect((await crashing).code).toBe("WORKER_CRASHED");
  const served = await queued;
  expect(served.status).toBe(200);
  expect(served.body.worker).not.toBe(before.body.worker);
});

// In a real server process: under `bun test` a worker's rejection handler is never called (oven-sh/bun#36445).
describe("an app whose loading never ends", () => {
  test("fails to start by its timeout and its thread is terminated, not kept forever", async () => {
    const answer = await call(server.at("/never-loads/"));
    // The request's own timeout and the start deadline are both 1 s from the same moment.
    expect(answer.status === 504 || answer.code === "WORKER_START_FAILED").toBe(true);
    const [spawn] = events.of("spawn", "never-loads@1.0.0");
    const end = await events.next("terminate", (e) => e.workerId === spawn?.workerId);
    expect(end.reason).toBe("start-failed");
    expect(server.pool.snapshot().filter((w) => w.app === "never-loads")).toEqual([]);
    const again = await call(server.at("/never-loads/"));
    expect(again.code).toBe("WORKER_START_FAILED"); // backing off, answered at once
    expect(again.body.error.message).toContain("did not finish loading within 1s");
  });
});

test("unhandled rejections do not kill the worker", async () => {
  const real = await startServerProcess({ APPS_DIR: FIXTURE_APPS });
  const answers = [];
  for (let i = 0; i < 5; i++) answers.push(await call(real.at("/reject-later/")));
  expect(answers.map((r) => r.status)).toEqual([200, 200, 200, 200, 200]);
  expect(new Set(answers.map((r) => r.body.worker)).size).toBe(1);
  expect(answers.map((r) => r.body.served)).toEqual([1, 2, 3, 4, 5]);
  real.proc.kill("SIGTERM");
  expect(await real.proc.exited).toBe(0);
});

describe("a worker whose event loop never returns", () => {
  test("is terminated once its request times out (504); its other request gets 502 promptly", async () => {
    const before = await call(server.at("/spin-briefly/"));
    const worker = events.of("ready", "spin-briefly@1.0.0").at(-1)?.workerId;
    const spinning = call(server.at("/spin-briefly/spin"));
    await whenInFlight(server.pool, "spin-briefly");
    // Sent 1 s later, so its own timeout (2 s) would come 1 s after the spinning request's.
    await Bun.sleep(1000);
    const other = call(server.at("/spin-briefly/wait"));
    const [spin, wait] = [await spinning, await other];
    expect(spin.status).toBe(504);
    expect(spin.code).toBe("APP_TIMEOUT");
    expect(wait.status).toBe(502);
    expect(wait.code).toBe("WORKER_CRASHED");
    expect(wait.ms).toBeLessThan(1600);
    expect(wait.doneAt - spin.doneAt).toBeLessThan(600);
    expect((await events.next("crash", (e) => e.workerId === worker)).message).toContain("unresponsive");
    await events.next("terminate", (e) => e.workerId === worker);
    const after = await call(server.at("/spin-briefly/"));
    expect(after.status).toBe(200);
    expect(after.body.worker).not.toBe(before.body.worker);
  });

  test("does not slow another app's answers", async () => {
    await call(server.at("/spin-long/"));
    for (let i = 0; i < 3; i++) await call(server.at("/hello/"));
    const spinning = call(server.at("/spin-long/spin"));
    await whenInFlight(server.pool, "spin-long");
    const latencies: number[] = [];
    for (let i = 0; i < 20; i++) {
      const answer = await call(server.at("/hello/"));
      expect(answer.status).toBe(200);
      latencies.push(answer.ms);
    }
    const spin = await spinning;
    expect(spin.code).toBe("APP_TIMEOUT"); // it was spinning all along
    expect(percentile(latencies, 95)).toBeLessThan(100);
  });
});
