/**
 * A worker thread blocked in a system call (issue 12, fault 4): `terminate()` cannot interrupt
 * `Bun.sleepSync`, `execSync` or a read on a FIFO. Its request gets 504, the app's next request
 * a fresh worker, and the stuck thread is abandoned after `closeWaitMs`: out of the pool's
 * accounting, counted as leaked until it does return. A shutdown waits for it no longer than that.
 * The version's next workers run as processes, so it cannot leak a thread per timeout.
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { rmSync } from "node:fs";
import { join } from "node:path";
import { call, type EventLog, recordEvents, whenInFlight, writeApp, writeAppCode } from "./_pool-helpers.ts";
import { eventually, startTestServer, stopThenRemove, type TestServer, tempAppsDir } from "./_setup.ts";

/** How long the stuck requests block their thread: well past everything the tests wait for. */
const BLOCK_MS = 6000;
const CLOSE_WAIT_MS = 300;

let apps: ReturnType<typeof tempAppsDir>;
let server: TestServer;
let events: EventLog;

beforeAll(async () => {
  apps = tempAppsDir();
  writeApp(apps.dir, "stuck", "block-sleep", { timeout: 1 });
  writeApp(apps.dir, "stuck-exec", "block-exec", { timeout: 1 });
  writeApp(apps.dir, "stuck-at-stop", "block-sleep", {});
  writeAppCode(apps.dir, "stuck-pid", PID_APP, { timeout: 1 });
  server = await startTestServer(
    { APPS_DIR: apps.dir },
    { timing: { heartbeatMs: 60_000, probeMs: 200, closeWaitMs: CLOSE_WAIT_MS } },
  );
  events = recordEvents(server.pool.events);
});

afterAll(() => stopThenRemove(server, apps));

/** block-sleep's `/block?ms=`, answering with the process it runs in. */
const PID_APP = `export default {
  fetch(request) {
    const ms = new URL(request.url).searchParams.get("ms");
    if (ms) Bun.sleepSync(Number(ms));
    return Response.json({ pid: process.pid });
  },
};
`;

/** The `pool` part of `/_/metrics`, read in-process. */
const metricsPool = () => server.stats().metrics.pool;

describe.each([
  ["stuck", `/block?ms=${BLOCK_MS}`, "Bun.sleepSync"],
  ["stuck-exec", `/block?s=${BLOCK_MS / 1000}`, "execSync"],
])("%s: a thread blocked in %s", (app, path, _call) => {
  test("its request gets 504 and the next one a fresh worker at once, while the old thread is still blocked", async () => {
    const warm = await call(server.at(`/${app}/`));
    expect(warm.status).toBe(200);
    const blocked = await call(server.at(`/${app}${path}`));
    expect(blocked.status).toBe(504);
    expect(blocked.code).toBe("APP_TIMEOUT");
    const next = await call(server.at(`/${app}/`));
    expect(next.status).toBe(200);
    expect(next.body.worker).not.toBe(warm.body.worker);
    // Served long before the blocked thread could have come back.
    expect(next.doneAt - blocked.sentAt).toBeLessThan(BLOCK_MS - 1000);
  });

  test("the stuck worker is abandoned after closeWaitMs: gone from the stats, counted as leaked until its thread returns", async () => {
    const [stuck] = events.of("spawn", `${app}@1.0.0`);
    expect(stuck).toBeDefined();
    const abandonedAt = await events.next("terminate", (e) => e.workerId === stuck?.workerId, BLOCK_MS - 1000);
    expect(abandonedAt.reason).toBe("timeout");
    expect(server.pool.snapshot().map((w) => w.id)).not.toContain(stuck?.workerId);
    const pool = metricsPool();
    expect(pool.abandoned).toBeGreaterThanOrEqual(1);
    expect(pool.leakedThreads).toBeGreaterThanOrEqual(1);
    // The live worker still serves, and no third one was started for the app.
    expect((await call(server.at(`/${app}/`))).status).toBe(200);
    expect(events.of("spawn", `${app}@1.0.0`)).toHaveLength(2);
  }, 10_000);
});

test("a leaked thread that returns from its system call is no longer counted", async () => {
  await eventually(() => server.pool.counters.leakedThreads === 0, BLOCK_MS + 5000);
  expect(server.pool.counters.abandoned).toBe(2);
}, 15_000);

test("a version whose thread was abandoned runs its next workers as processes, which a timeout can kill", async () => {
  expect((await call(server.at("/stuck-pid/"))).body).toEqual({ pid: process.pid });
  const abandoned = new Promise<{ key: string; thread: boolean }>((resolve) =>
    server.pool.events.once("abandon", resolve),
  );
  // Blocked past its timeout (1 s) and closeWaitMs, and back before the shutdown test below counts threads.
  expect((await call(server.at("/stuck-pid/?ms=3500"))).code).toBe("APP_TIMEOUT");
  expect(await abandoned).toMatchObject({ key: "stuck-pid@1.0.0", thread: true });
  expect(server.stats().isolation?.escalated).toContain("stuck-pid@1.0.0");

  const next = await call(server.at("/stuck-pid/"));
  expect(next.status).toBe(200);
  expect((next.body as { pid: number }).pid).not.toBe(process.pid);
  // Blocked again: the process is killed at its timeout, nothing more abandoned.
  const blocked = call(server.at(`/stuck-pid/?ms=${BLOCK_MS}`));
  await whenInFlight(server.pool, "stuck-pid");
  const busy = server.pool.snapshot().find((w) => w.app === "stuck-pid" && w.inFlight > 0);
  expect((await blocked).code).toBe("APP_TIMEOUT");
  await events.next("terminate", (e) => e.workerId === busy?.id && e.key === "stuck-pid@1.0.0");
  expect(server.pool.counters.abandoned).toBe(3);
  await eventually(() => server.pool.counters.leakedThreads === 0, 5000);
  // Removed from disk: forgotten (a version deployed again under that number starts as threads).
  rmSync(join(apps.dir, "stuck-pid"), { recursive: true });
  await eventually(() => !server.stats().isolation?.escalated.includes("stuck-pid@1.0.0"), 5000);
}, 20_000);

test("stop() with a thread blocked mid-request returns within grace + closeWaitMs and reports what it abandoned", async () => {
  const blocked = call(server.at(`/stuck-at-stop/block?ms=${BLOCK_MS}`));
  await whenInFlight(server.pool, "stuck-at-stop");
  const started = performance.now();
  const report = await server.stop(500);
  const took = performance.now() - started;
  expect(took).toBeLessThan(500 + CLOSE_WAIT_MS + 1500);
  expect(report.cutOff).toBe(1);
  expect(report.abandoned).toEqual([{ app: "stuck-at-stop@1.0.0", worker: expect.any(Number), requests: 1 }]);
  expect(report.leakedThreads).toBe(1);
  const answer = await blocked;
  expect(answer.status).toBe(503);
  expect(answer.code).toBe("SHUTTING_DOWN");
}, 15_000);

test("a worker still loading when the shutdown grace ends is stopped and closes once it is ready (not abandoned)", async () => {
  const loading = tempAppsDir();
  writeAppCode(
    loading.dir,
    "slow-load",
    'await Bun.sleep(600);\nexport default { fetch: () => new Response("ok") };\n',
  );
  const own = await startTestServer({ APPS_DIR: loading.dir }, { timing: { closeWaitMs: 3000 } });
  try {
    const log = recordEvents(own.pool.events);
    const request = call(own.at("/slow-load/"));
    await log.next("spawn");
    const report = await own.stop(100);
    expect(report.leakedThreads).toBe(0);
    expect(report.abandoned).toEqual([]);
    expect(log.of("terminate").map((e) => e.reason)).toEqual(["shutdown"]);
    expect((await request).code).toBe("SHUTTING_DOWN");
  } finally {
    await stopThenRemove(own, loading);
  }
}, 15_000);
