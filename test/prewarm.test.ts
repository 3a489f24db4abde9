/**
 * Prewarming (server/src/pool/README.md, "Lifecycle"): under load, a worker near `maxRequests`
 * gets its successor started before it drains, so that requests go on to the successor without
 * waiting for a spawn. A sequential trickle never prewarms. Real server on 127.0.0.1, copies of
 * the `whoami` fixture (it answers its worker's uuid and how many requests it has served).
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { type Answer, call, type EventLog, recordEvents, writeApp } from "./_pool-helpers.ts";
import { startTestServer, stopThenRemove, type TestServer, tempAppsDir } from "./_setup.ts";

let apps: ReturnType<typeof tempAppsDir>;
let server: TestServer;
let events: EventLog;

beforeAll(async () => {
  apps = tempAppsDir();
  // maxRequests 20: the successor is prewarmed from the 19th request on (the last 5 %, at least one).
  writeApp(apps.dir, "loaded", "whoami", { maxRequests: 20 });
  writeApp(apps.dir, "trickle", "whoami", { maxRequests: 20 });
  writeApp(apps.dir, "unused", "whoami", { maxRequests: 20, idleTimeout: 1 });
  writeApp(apps.dir, "burst", "whoami", { maxRequests: 20, concurrency: 10, maxWorkers: 2, maxQueue: 200 });
  server = await startTestServer({ APPS_DIR: apps.dir });
  events = recordEvents(server.pool.events);
});

afterAll(() => stopThenRemove(server, apps));

/** Where an event stands in the recorded order (-1: not recorded). */
const position = (kind: "spawn" | "recycle", key: string, workerId: number) =>
  events.entries.findIndex((e) => e.kind === kind && e.key === key && e.workerId === workerId);

/** The pool's id of `app`'s only worker (asserting there is just one). */
const onlyWorkerId = (app: string) => {
  const workers = server.pool.snapshot().filter((w) => w.app === app);
  expect(workers).toHaveLength(1);
  return workers[0]?.id as number;
};

/** `n` requests to `app` sent at once. */
const concurrently = (n: number, app: string, query = "") =>
  Promise.all(Array.from({ length: n }, () => call(server.at(`/${app}/${query}`))));

test("under concurrent load the successor is spawned and ready before the old worker drains, then takes over", async () => {
  const key = "loaded@1.0.0";
  const warm = await call(server.at("/loaded/"));
  const old = onlyWorkerId("loaded");
  // 18 more requests in flight together: the old worker reaches 19 of its 20 with others in flight.
  const slow = concurrently(18, "loaded", "?ms=2000");
  const successor = await events.next("ready", (e) => e.key === key && e.workerId !== old, 10_000);

  // Both live: the old one serving its 19 requests, the successor waiting, nothing recycled yet.
  const stats = (await (await server.admin("/_/stats")).json()) as {
    workers: { id: number; app: string; state: string; requests: number; inFlight: number }[];
  };
  const mine = stats.workers.filter((w) => w.app === "loaded");
  expect(mine.find((w) => w.id === old)).toMatchObject({ requests: 19, inFlight: 18 });
  expect(mine.find((w) => w.id === successor.workerId)).toMatchObject({ state: "ready", requests: 0 });
  expect(events.of("recycle", key)).toHaveLength(0);

  // maxWorkers 1: while the old worker still takes requests, the (idle) successor takes none,
  // so the old one serves its 20th; the drain then hands the rest to the successor, no spawn.
  const next = await concurrently(4, "loaded");
  const recycle = await events.next("recycle", (e) => e.key === key && e.workerId === old);
  expect(recycle.reason).toBe("max-requests");
  expect(position("spawn", key, successor.workerId)).toBeLessThan(position("recycle", key, old));

  const first = await slow;
  expect(first.map((a) => a.status)).toEqual(Array(18).fill(200));
  expect(new Set(first.map((a) => a.body.worker))).toEqual(new Set([warm.body.worker]));
  expect(next.map((a) => a.status)).toEqual([200, 200, 200, 200]);
  const byOld = next.filter((a) => a.body.worker === warm.body.worker);
  expect(byOld.map((a) => a.body.served)).toEqual([20]);
  const bySuccessor = next.filter((a) => a.body.worker !== warm.body.worker);
  expect(bySuccessor).toHaveLength(3);
  expect(new Set(bySuccessor.map((a) => a.body.worker)).size).toBe(1);
  expect(bySuccessor.map((a) => a.body.served).sort()).toEqual([1, 2, 3]);
  expect(events.of("spawn", key)).toHaveLength(2);
}, 20_000);

test("a sequential trickle does not prewarm: each successor spawns after its predecessor drained", async () => {
  const key = "trickle@1.0.0";
  const answers: Answer[] = [];
  for (let i = 0; i < 45; i++) answers.push(await call(server.at("/trickle/")));
  expect(answers.every((a) => a.status === 200)).toBe(true);
  expect(answers.map((a) => a.body.served)).toEqual([
    ...Array.from({ length: 20 }, (_, i) => i + 1),
    ...Array.from({ length: 20 }, (_, i) => i + 1),
    ...[1, 2, 3, 4, 5],
  ]);
  const spawns = events.of("spawn", key);
  expect(spawns).toHaveLength(3);
  for (let i = 1; i < spawns.length; i++) {
    const predecessor = spawns[i - 1]?.workerId as number;
    const recycled = position("recycle", key, predecessor);
    expect(recycled).toBeGreaterThanOrEqual(0);
    expect(recycled).toBeLessThan(position("spawn", key, spawns[i]?.workerId as number));
  }
  // A drained predecessor's thread ends asynchronously (terminate(), then its close): the answer
  // to request 45 can come first. Wait for each one's terminate event, then only one is left.
  for (const spawn of spawns.slice(0, -1)) {
    await events.next("terminate", (e) => e.key === key && e.workerId === spawn.workerId);
  }
  expect(server.pool.snapshot().filter((w) => w.app === "trickle")).toHaveLength(1);
}, 20_000);

test("a successor never used is terminated by idleTimeout", async () => {
  const key = "unused@1.0.0";
  await call(server.at("/unused/"));
  const old = onlyWorkerId("unused");
  const answers = await concurrently(18, "unused", "?ms=50");
  expect(answers.map((a) => a.status)).toEqual(Array(18).fill(200));
  const successor = await events.next("spawn", (e) => e.key === key && e.workerId !== old);
  // No 20th request: the old worker never drains for max-requests; both idle out.
  const terminated = await events.next("terminate", (e) => e.workerId === successor.workerId, 5000);
  expect(terminated.reason).toBe("idle");
  expect((await events.next("terminate", (e) => e.workerId === old, 5000)).reason).toBe("idle");
  expect(events.of("spawn", key)).toHaveLength(2);
}, 20_000);

test("bursts through recycles lose no request and no worker serves more than maxRequests", async () => {
  for (let round = 0; round < 3; round++) {
    const answers = await concurrently(60, "burst", "?ms=10");
    expect(answers.map((a) => a.status)).toEqual(Array(60).fill(200));
    for (const served of Map.groupBy(answers, (a) => a.body.worker as string).values()) {
      expect(Math.max(...served.map((a) => a.body.served))).toBeLessThanOrEqual(20);
    }
  }
  expect(events.of("recycle", "burst@1.0.0").length).toBeGreaterThanOrEqual(5);
}, 30_000);

describe("with POOL_SIZE reached", () => {
  let small: ReturnType<typeof tempAppsDir>;
  let full: TestServer;
  let log: EventLog;

  beforeAll(async () => {
    small = tempAppsDir();
    writeApp(small.dir, "loaded", "whoami", { maxRequests: 20 });
    writeApp(small.dir, "other", "whoami", {});
    full = await startTestServer({ APPS_DIR: small.dir, POOL_SIZE: "2" });
    log = recordEvents(full.pool.events);
  });

  afterAll(() => stopThenRemove(full, small));

  test("no successor is prewarmed while POOL_SIZE is full, and nothing is evicted", async () => {
    const other = await call(full.at("/other/"));
    const warm = await call(full.at("/loaded/"));
    const slow = await Promise.all(Array.from({ length: 18 }, () => call(full.at("/loaded/?ms=200"))));
    expect(slow.every((a) => a.status === 200 && a.body.worker === warm.body.worker)).toBe(true);
    expect(log.of("spawn", "loaded@1.0.0")).toHaveLength(1); // under load near its end, yet no prewarm
    expect(full.pool.snapshot()).toHaveLength(2);
    // The old worker's 20th request drains it; the next request starts its successor then.
    const [last, next] = [await call(full.at("/loaded/")), await call(full.at("/loaded/"))];
    expect([last.body.worker, last.body.served]).toEqual([warm.body.worker, 20]);
    expect(next.body.served).toBe(1);
    expect(log.of("spawn", "loaded@1.0.0")).toHaveLength(2);
    expect(log.of("recycle", "other@1.0.0")).toHaveLength(0);
    expect(full.pool.counters.evictions).toBe(0);
    expect((await call(full.at("/other/"))).body.worker).toBe(other.body.worker);
  }, 20_000);
});
