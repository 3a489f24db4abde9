/**
 * `POOL_SIZE` (docs/configuration.md, CONTRACT §2): the most live workers in total. A new worker
 * that would pass it evicts the least recently used app version: that version's in-flight
 * requests finish, then its workers terminate with reason "evicted". Real server on 127.0.0.1,
 * POOL_SIZE 2, with copies of the `whoami` fixture (it answers its worker's uuid; `?ms=` delays).
 */
import { afterAll, beforeAll, expect, test } from "bun:test";
import { call, type EventLog, recordEvents, whenInFlight, writeApp } from "./_pool-helpers.ts";
import { eventually, startTestServer, stopThenRemove, type TestServer, tempAppsDir } from "./_setup.ts";

let apps: ReturnType<typeof tempAppsDir>;
let server: TestServer;
let events: EventLog;
/** The most live (not draining) workers seen at any spawn or ready event. */
let mostLive = 0;

/** Workers that count against POOL_SIZE: every one not draining (a draining one is on its way out). */
const live = () => server.pool.snapshot().filter((w) => w.state !== "draining");
const liveOf = (app: string) => live().filter((w) => w.app === app);

beforeAll(async () => {
  apps = tempAppsDir();
  for (const name of ["a", "b", "c", "held", "next-1", "next-2"]) writeApp(apps.dir, name, "whoami", { timeout: 10 });
  server = await startTestServer({ APPS_DIR: apps.dir, POOL_SIZE: "2" });
  events = recordEvents(server.pool.events);
  const sample = () => {
    mostLive = Math.max(mostLive, live().length);
  };
  server.pool.events.on("spawn", sample);
  server.pool.events.on("ready", sample);
});

afterAll(() => stopThenRemove(server, apps));

test("a, b, a, then c: b (least recently used) is evicted, a keeps its worker, never more than 2 live", async () => {
  const a1 = await call(server.at("/a/"));
  const b1 = await call(server.at("/b/"));
  const a2 = await call(server.at("/a/"));
  expect([a1.status, b1.status, a2.status]).toEqual([200, 200, 200]);
  expect(a2.body.worker).toBe(a1.body.worker);
  const bWorker = events.of("ready", "b@1.0.0")[0]?.workerId;
  const aWorker = events.of("ready", "a@1.0.0")[0]?.workerId;

  const c1 = await call(server.at("/c/"));
  expect(c1.status).toBe(200);

  const evicted = await events.next("terminate", (e) => e.workerId === bWorker);
  expect(evicted.key).toBe("b@1.0.0");
  expect(evicted.reason).toBe("evicted");
  expect(events.of("recycle", "b@1.0.0").map((e) => e.reason)).toEqual(["evicted"]);
  expect(server.pool.counters.evictions).toBe(1);
  const metrics = (await (await server.admin("/_/metrics")).json()) as { pool: { evictions: number } };
  expect(metrics.pool.evictions).toBe(1);

  // a was used after b: untouched, its worker still live and the same one.
  expect(events.of("terminate", "a@1.0.0")).toEqual([]);
  expect(liveOf("a").map((w) => w.id)).toEqual([aWorker as number]);
  expect(liveOf("b")).toEqual([]);
  expect(live()).toHaveLength(2);
  expect(mostLive).toBe(2);

  // b comes back on a new worker (evicting another version in turn: still 2 at most).
  const b2 = await call(server.at("/b/"));
  expect(b2.status).toBe(200);
  expect(b2.body.worker).not.toBe(b1.body.worker);
  expect(b2.body.served).toBe(1);
  expect(server.pool.counters.evictions).toBe(2);
  expect(live()).toHaveLength(2);
  expect(mostLive).toBe(2);
});

test("a request in flight on the version being evicted still completes with 200", async () => {
  const slow = call(server.at("/held/?ms=1500"));
  await whenInFlight(server.pool, "held");
  const heldWorker = events.of("ready", "held@1.0.0")[0]?.workerId;
  // held and next-1 each take a slot from the versions of the test above (least recently used
  // first); next-2 then evicts held, the older of the two, while its request is still in flight.
  expect((await call(server.at("/next-1/"))).status).toBe(200);
  const recycled = events.next("recycle", (e) => e.workerId === heldWorker);
  expect((await call(server.at("/next-2/"))).status).toBe(200);
  const recycle = await recycled;
  expect(recycle.reason).toBe("evicted");

  const answer = await slow;
  expect(answer.status).toBe(200);
  expect(answer.body.served).toBe(1);
  // Drained, not cut off: the request was answered before its worker ended.
  const terminated = await events.next("terminate", (e) => e.workerId === heldWorker);
  expect(terminated.reason).toBe("evicted");
  expect(recycle.at).toBeLessThan(answer.doneAt);
  expect(terminated.at).toBeGreaterThanOrEqual(recycle.at);
  expect(liveOf("held")).toEqual([]);
  expect(mostLive).toBe(2);
});

test("a burst of first requests to more versions than POOL_SIZE: every one served, no version evicted while it starts or has requests waiting", async () => {
  const burst = tempAppsDir();
  const names = ["p", "q", "r", "s"];
  for (const name of names) writeApp(burst.dir, name, "whoami", { timeout: 10 });
  const own = await startTestServer({ APPS_DIR: burst.dir, POOL_SIZE: "2" });
  const log = recordEvents(own.pool.events);
  try {
    const answers = await Promise.all(names.flatMap((name) => [1, 2].map(() => call(own.at(`/${name}/?ms=100`)))));
    // Each version waited for room rather than evicting one still starting (which came straight
    // back and evicted another: 503 APP_OVERLOADED "replaced while the request waited" before).
    expect(answers.map((a) => a.code ?? a.status)).toEqual(Array(8).fill(200));
    expect(log.of("spawn").length).toBe(names.length);
    expect(log.of("recycle").every((e) => e.reason === "evicted")).toBe(true);
  } finally {
    await stopThenRemove(own, burst);
  }
});

test("a version kept out by another that always has requests waiting gets room after a quarter of its timeout", async () => {
  const dir = tempAppsDir();
  writeApp(dir.dir, "always-busy", "slow", { concurrency: 1, maxQueue: 100, timeout: 30 });
  writeApp(dir.dir, "newcomer", "whoami", { timeout: 2 });
  const own = await startTestServer({ APPS_DIR: dir.dir, POOL_SIZE: "1" });
  let busy = true;
  const load: Promise<unknown>[] = [];
  try {
    // always-busy answers one request every 100 ms and always has two more waiting.
    const keepBusy = async () => {
      while (busy) await call(own.at("/always-busy/?ms=100"));
    };
    for (let i = 0; i < 3; i++) load.push(keepBusy());
    await eventually(() => own.pool.snapshot().some((w) => w.app === "always-busy" && w.inFlight > 0));
    const newcomer = await call(own.at("/newcomer/"));
    expect({ status: newcomer.status, code: newcomer.code }).toEqual({ status: 200, code: undefined });
    expect(newcomer.ms).toBeGreaterThanOrEqual(400); // it waited its quarter of 2 s first
  } finally {
    busy = false;
    await Promise.allSettled(load);
    await stopThenRemove(own, dir);
  }
});
