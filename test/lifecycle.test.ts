/**
 * One integration test per lifecycle option of `worker.jsonc`
 * (docs/configuration.md#worker-config): each app below is a copy of a fixture with its own config,
 * served by one real server on 127.0.0.1.
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { existsSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import type { AppLogLine } from "../server/src/logs/hub.ts";
import { createLogger } from "../server/src/util/log.ts";
import { call, type EventLog, recordEvents, whenInFlight, writeApp, writeAppCode } from "./_pool-helpers.ts";
import { startTestServer, stopThenRemove, type TestServer, tempAppsDir } from "./_setup.ts";

/** Answers how many requests its worker had in flight when this one arrived (itself included). */
const IN_FLIGHT_APP = `
let inFlight = 0;
export default {
  async fetch() {
    const concurrent = ++inFlight;
    await Bun.sleep(100);
    inFlight--;
    return Response.json({ concurrent });
  },
};
`;

/**
 * The entry module's optional parts (docs/configuration.md#the-entrypoint-module): `routes`
 * answered before `fetch`, and `onIdle` / `onTerminate`, which log a line naming this worker and
 * how many of its requests were in flight.
 */
const HOOKS_APP = `
const worker = crypto.randomUUID();
let inFlight = 0;
export default {
  routes: { "/r/:id": { GET: (r) => Response.json(r.params) } },
  async fetch(request) {
    inFlight++;
    const ms = Number(new URL(request.url).searchParams.get("ms") ?? 0);
    if (ms > 0) await Bun.sleep(ms);
    inFlight--;
    return Response.json({ from: "fetch", path: new URL(request.url).pathname, worker });
  },
  onIdle() {
    console.log("idle " + worker + " in-flight " + inFlight);
  },
  onTerminate() {
    console.log("terminate " + worker + " in-flight " + inFlight);
  },
};
`;

// The same suite in both isolation modes (docs/configuration.md#isolation: lifecycle options behave the same).
describe.each(["thread", "process"] as const)("isolation %s", (isolation) => {
  let apps: ReturnType<typeof tempAppsDir>;
  let server: TestServer;
  let events: EventLog;

  beforeAll(async () => {
    apps = tempAppsDir();
    writeApp(apps.dir, "timeout", "slow", { timeout: 1 });
    writeApp(apps.dir, "queued-timeout", "slow", { timeout: 1, concurrency: 1 });
    writeApp(apps.dir, "behind-timeout", "slow", { timeout: 1, concurrency: 1 });
    writeApp(apps.dir, "ttl", "slow", { ttl: 1, timeout: 5 });
    writeApp(apps.dir, "idle", "slow", { idleTimeout: 1 });
    writeApp(apps.dir, "idle-long", "slow", { idleTimeout: 1, timeout: 5 });
    writeApp(apps.dir, "max-requests", "whoami", { maxRequests: 3 });
    writeApp(apps.dir, "small-heap", "hello", { lowMemory: true });
    writeApp(apps.dir, "max-memory", "memory-hog", { maxMemory: 64 });
    writeAppCode(apps.dir, "one-at-a-time", IN_FLIGHT_APP, { concurrency: 1, maxQueue: 10, timeout: 5 });
    writeApp(apps.dir, "overload", "slow", { concurrency: 1, maxWorkers: 2, maxQueue: 1, timeout: 5 });
    writeApp(apps.dir, "overload-warm", "slow", { concurrency: 1, maxWorkers: 2, maxQueue: 1, timeout: 5 });
    writeAppCode(apps.dir, "routed", HOOKS_APP);
    writeAppCode(apps.dir, "idle-hook", HOOKS_APP);
    writeAppCode(apps.dir, "terminate-hook", HOOKS_APP, { maxRequests: 1 });
    server = await startTestServer({ APPS_DIR: apps.dir, BUNTIME_ISOLATION: isolation });
    events = recordEvents(server.pool.events);
  });

  afterAll(() => stopThenRemove(server, apps));

  describe("timeout", () => {
    test("answers 504 APP_TIMEOUT on time and never reuses the timed-out worker", async () => {
      // Two rounds: a load spike on the machine may delay one answer, a late timer delays both.
      const late: number[] = [];
      for (let round = 0; round < 2; round++) {
        const before = await call(server.at("/timeout/?ms=0"));
        const worker = events.of("ready", "timeout@1.0.0").at(-1)?.workerId;
        const timedOut = await call(server.at("/timeout/?ms=3000"));
        expect(timedOut.status).toBe(504);
        expect(timedOut.code).toBe("APP_TIMEOUT");
        expect(timedOut.ms).toBeGreaterThanOrEqual(990);
        late.push(timedOut.ms - 1000);
        const after = await call(server.at("/timeout/?ms=0"));
        expect(after.status).toBe(200);
        expect(after.body.worker).not.toBe(before.body.worker);
        expect((await events.next("terminate", (e) => e.workerId === worker)).reason).toBe("timeout");
      }
      expect(Math.min(...late)).toBeLessThanOrEqual(100); // 10 % or 100 ms, whichever is larger
      expect(Math.max(...late)).toBeLessThanOrEqual(500);
    });

    test("a request queued behind the timed-out one is served by a fresh worker", async () => {
      const before = await call(server.at("/behind-timeout/?ms=0"));
      const late = call(server.at("/behind-timeout/?ms=3000"));
      await whenInFlight(server.pool, "behind-timeout");
      // Queued half its timeout after the other: a fresh worker must start and answer in that
      // margin (a process takes ~50–100 ms to start on a loaded machine, a thread a few).
      await Bun.sleep(500);
      const queued = await call(server.at("/behind-timeout/?ms=0"));
      expect((await late).code).toBe("APP_TIMEOUT");
      expect(queued.code).toBeUndefined();
      expect(queued.status).toBe(200);
      expect(queued.body.worker).not.toBe(before.body.worker);
    });

    test("counts from the request's arrival, time spent queued included", async () => {
      await call(server.at("/queued-timeout/?ms=0"));
      const first = call(server.at("/queued-timeout/?ms=600"));
      await whenInFlight(server.pool, "queued-timeout");
      const queued = await call(server.at("/queued-timeout/?ms=5000")); // waits ~600 ms for the only slot
      expect((await first).status).toBe(200);
      expect(queued.code).toBe("APP_TIMEOUT");
      expect(queued.ms).toBeLessThanOrEqual(1300); // not 1 s after it reached the worker (~1.6 s)
    });
  });

  test("ttl recycles gracefully: the request in flight at expiry completes, the next gets a new worker", async () => {
    const warm = await call(server.at("/ttl/?ms=0"));
    const worker = events.of("ready", "ttl@1.0.0")[0]?.workerId;
    const recycled = events.next("recycle", (e) => e.workerId === worker);
    const spanning = await call(server.at("/ttl/?ms=1600")); // spans the expiry at ~1 s
    expect(spanning.status).toBe(200);
    expect(spanning.body.worker).toBe(warm.body.worker);
    const recycle = await recycled;
    expect(recycle.reason).toBe("ttl");
    expect(recycle.at).toBeLessThan(spanning.doneAt);
    const terminated = await events.next("terminate", (e) => e.workerId === worker);
    expect(terminated.reason).toBe("ttl");
    const next = await call(server.at("/ttl/?ms=0"));
    expect(next.status).toBe(200);
    expect(next.body.worker).not.toBe(warm.body.worker);
  });

  test("idleTimeout terminates an idle worker, and not while it keeps being used", async () => {
    const first = await call(server.at("/idle/?ms=0"));
    const worker = events.of("ready", "idle@1.0.0")[0]?.workerId;
    // Busy for 2 s (twice the idle timeout) with gaps of 400 ms: the same worker throughout.
    let last = first;
    for (let i = 0; i < 5; i++) {
      await Bun.sleep(400);
      last = await call(server.at("/idle/?ms=0"));
      expect(last.body.worker).toBe(first.body.worker);
    }
    expect(events.of("terminate", "idle@1.0.0")).toHaveLength(0);
    const terminated = await events.next("terminate", (e) => e.workerId === worker, 4000);
    expect(terminated.reason).toBe("idle");
    const idleFor = terminated.at - last.doneAt;
    expect(idleFor).toBeGreaterThanOrEqual(950);
    expect(idleFor).toBeLessThan(2500);
  });

  test("idleTimeout counts time with no request: one request in flight longer than it keeps the worker", async () => {
    const first = await call(server.at("/idle-long/?ms=0"));
    const worker = events.of("ready", "idle-long@1.0.0")[0]?.workerId;
    expect(worker).toBeDefined();
    // In flight for 2.5 s, two and a half idle timeouts: the worker is busy, not idle.
    const long = await call(server.at("/idle-long/?ms=2500"));
    expect(long.status).toBe(200);
    expect(long.body.worker).toBe(first.body.worker);
    // Right after it, the same worker answers: it was neither terminated nor drained meanwhile.
    const next = await call(server.at("/idle-long/?ms=0"));
    expect(next.status).toBe(200);
    expect(next.body.worker).toBe(first.body.worker);
    const ended = events.entries.filter(
      (e) => e.workerId === worker && (e.kind === "recycle" || e.kind === "terminate"),
    );
    expect(ended).toEqual([]);
    // The control: once no request comes, the idle timeout does end it, counted from the last answer.
    const terminated = await events.next("terminate", (e) => e.workerId === worker, 4000);
    expect(terminated.reason).toBe("idle");
    expect(terminated.at - next.doneAt).toBeGreaterThanOrEqual(950);
  });

  describe("maxRequests", () => {
    test("the 4th request goes to a new worker", async () => {
      const answers = [];
      for (let i = 0; i < 6; i++) answers.push(await call(server.at("/max-requests/")));
      const [a, b] = [answers[0]?.body.worker, answers[3]?.body.worker];
      expect(answers.map((r) => r.body.worker)).toEqual([a, a, a, b, b, b]);
      expect(b).not.toBe(a);
      expect(answers.map((r) => r.body.served)).toEqual([1, 2, 3, 1, 2, 3]);
      expect((await events.next("recycle", (e) => e.key === "max-requests@1.0.0")).reason).toBe("max-requests");
    });

    test("loses no request under 20 concurrent ones, and no worker serves more than 3", async () => {
      const answers = await Promise.all(Array.from({ length: 20 }, () => call(server.at("/max-requests/?ms=50"))));
      expect(answers.map((r) => r.status)).toEqual(Array(20).fill(200));
      const perWorker = Map.groupBy(answers, (r) => r.body.worker as string);
      for (const served of perWorker.values()) {
        expect(served.length).toBeLessThanOrEqual(3);
        expect(Math.max(...served.map((r) => r.body.served))).toBeLessThanOrEqual(3);
      }
      expect(perWorker.size).toBeGreaterThanOrEqual(7);
    });
  });

  test("lowMemory (smol) starts and serves", async () => {
    const answer = await call(server.at("/small-heap/"));
    expect(answer.status).toBe(200);
    expect(answer.body.app).toBe("hello");
    expect(server.pool.snapshot().some((w) => w.app === "small-heap")).toBe(true);
  });

  test("maxMemory recycles a worker over its heap limit, and the next request is served", async () => {
    const recycled = events.next("recycle", (e) => e.key === "max-memory@1.0.0", 20_000);
    let first: string | undefined;
    for (let i = 0; i < 12 && events.of("recycle", "max-memory@1.0.0").length === 0; i++) {
      const answer = await call(server.at("/max-memory/?mb=20"));
      expect(answer.status).toBe(200);
      first ??= answer.body.worker;
    }
    expect((await recycled).reason).toBe("max-memory");
    const next = await call(server.at("/max-memory/?mb=1"));
    expect(next.status).toBe(200);
    expect(next.body.worker).not.toBe(first);
    // A fresh heap (a request sent while the recycle was on its way may have reached it first).
    expect(next.body.kept).toBeLessThanOrEqual(2);
  }, 30_000);

  describe("concurrency, maxWorkers and maxQueue", () => {
    test("concurrency 1: a worker takes one request at a time, queued ones included", async () => {
      const cold = await Promise.all([0, 1, 2].map(() => call(server.at("/one-at-a-time/"))));
      const warm = await Promise.all([0, 1, 2].map(() => call(server.at("/one-at-a-time/"))));
      for (const answer of [...cold, ...warm]) {
        expect(answer.status).toBe(200);
        expect(answer.body.concurrent).toBe(1);
      }
    });

    // concurrency 1 × maxWorkers 2 + maxQueue 1: three requests fit, a fourth does not.
    const four = (app: string) => Promise.all([0, 1, 2, 3].map(() => call(server.at(`/${app}/?ms=400`))));
    const expectThreeServedOneOverloaded = (answers: Awaited<ReturnType<typeof four>>) => {
      expect(answers.map((r) => r.status).sort()).toEqual([200, 200, 200, 503]);
      const overloaded = answers.find((r) => r.status === 503);
      expect(overloaded?.code).toBe("APP_OVERLOADED");
      expect(Number(overloaded?.headers.get("retry-after"))).toBeGreaterThanOrEqual(1);
    };

    test("from cold: the 4th concurrent request gets 503 with Retry-After, two workers spawn", async () => {
      const answers = await four("overload");
      expectThreeServedOneOverloaded(answers);
      expect(events.of("spawn", "overload@1.0.0")).toHaveLength(2);
    });

    test("with both workers up: the 4th concurrent request gets 503 with Retry-After", async () => {
      await call(server.at("/overload-warm/?ms=0"));
      const pair = await Promise.all([0, 1].map(() => call(server.at("/overload-warm/?ms=300"))));
      expect(pair.map((r) => r.status)).toEqual([200, 200]);
      expect(events.of("ready", "overload-warm@1.0.0")).toHaveLength(2);
      expectThreeServedOneOverloaded(await four("overload-warm"));
      expect(events.of("spawn", "overload-warm@1.0.0")).toHaveLength(2);
    });
  });

  describe("the entry module's routes, onIdle and onTerminate", () => {
    /** Resolves with the first log line of `app` (kept or still to come) whose message `match` accepts. */
    const logLine = (app: string, match: (message: string) => boolean, timeoutMs = 3000) =>
      new Promise<AppLogLine>((resolve, reject) => {
        const kept = server.logs.lines({ app }).find((l) => match(l.message));
        if (kept) return resolve(kept);
        const timer = setTimeout(() => {
          stop();
          reject(new Error(`no matching log line of ${app} within ${timeoutMs} ms`));
        }, timeoutMs);
        const stop = server.logs.follow(app, (line) => {
          if (!match(line.message)) return;
          clearTimeout(timer);
          stop();
          resolve(line);
        });
      });
    const messages = (app: string, prefix: string) =>
      server.logs
        .lines({ app })
        .map((l) => l.message)
        .filter((m) => m.startsWith(prefix));

    test("routes: /r/:id is answered by the route with its params; other paths fall through to fetch", async () => {
      const routed = await call(server.at("/routed/r/7"));
      expect(routed.status).toBe(200);
      expect(routed.body).toEqual({ id: "7" });
      expect((await call(server.at("/routed/r/a%20b"))).body).toEqual({ id: "a b" });
      for (const path of ["/", "/r", "/r/7/more", "/other/7"]) {
        const answer = await call(server.at(`/routed${path}`));
        expect(answer.status).toBe(200);
        expect(answer.body).toMatchObject({ from: "fetch", path });
      }
    });

    test("onIdle is called once the worker has nothing in flight, outside any request", async () => {
      // Three overlapping requests: one idle moment, after the last of them.
      const first = await Promise.all([0, 1, 2].map(() => call(server.at("/idle-hook/?ms=300"))));
      expect(first.map((a) => a.status)).toEqual([200, 200, 200]);
      const worker = first[0]?.body.worker;
      expect(first.every((a) => a.body.worker === worker)).toBe(true);
      const line = await logLine("idle-hook", (m) => m.startsWith("idle "));
      expect(line.message).toBe(`idle ${worker} in-flight 0`);
      expect(line.requestId).toBeUndefined();
      // A later request: one more idle moment. Lines arrive in order, so by the second idle
      // line any extra call from the first batch would be there too.
      expect((await call(server.at("/idle-hook/"))).body.worker).toBe(worker);
      await logLine("idle-hook", (m) => m.startsWith("idle ") && messages("idle-hook", "idle ").length >= 2);
      expect(messages("idle-hook", "idle ")).toEqual([`idle ${worker} in-flight 0`, `idle ${worker} in-flight 0`]);
    });

    test("onTerminate is called once before a worker recycled by maxRequests: 1 ends, and its line is kept", async () => {
      const answer = await call(server.at("/terminate-hook/"));
      expect(answer.status).toBe(200);
      const worker = answer.body.worker;
      const id = events.of("ready", "terminate-hook@1.0.0")[0]?.workerId;
      expect((await events.next("terminate", (e) => e.workerId === id)).reason).toBe("max-requests");
      const line = await logLine("terminate-hook", (m) => m.startsWith(`terminate ${worker}`));
      expect(line.message).toBe(`terminate ${worker} in-flight 0`);
      expect(line.worker).toBe(id as number);
      expect(messages("terminate-hook", `terminate ${worker}`)).toHaveLength(1);
    });
  });
});

describe("autoInstall", () => {
  let install: ReturnType<typeof tempAppsDir>;
  let installServer: TestServer;
  const logged: { msg: string; app?: unknown }[] = [];
  // The runtime's own logger, writing its JSON lines here instead of stdout.
  const logger = createLogger("info", {
    write: (line: string) => void logged.push(JSON.parse(line)),
  } as Parameters<typeof createLogger>[1]);

  beforeAll(async () => {
    install = tempAppsDir("needs-install");
    // Like needs-install, but its dependency's folder does not exist.
    const code = 'import "missing";\nexport default { fetch: () => new Response("no") };\n';
    const broken = writeAppCode(install.dir, "broken-install", code, { autoInstall: true });
    const dependencies = { missing: "file:./vendor/missing" };
    writeFileSync(join(broken, "package.json"), JSON.stringify({ name: "broken", private: true, dependencies }));
    installServer = await startTestServer({ APPS_DIR: install.dir }, { logger });
  });

  afterAll(() => stopThenRemove(installServer, install));

  test("concurrent first requests all succeed with a single install", async () => {
    const spawns = recordEvents(installServer.pool.events);
    const url = new URL("/needs-install/", installServer.url).href;
    const installs = () =>
      logged.filter((l) => l.msg === "installing app dependencies" && l.app === "needs-install@1.0.0");
    const answers = await Promise.all(Array.from({ length: 8 }, () => call(url)));
    expect(answers.map((r) => r.status)).toEqual(Array(8).fill(200));
    expect(answers[0]?.body).toBe("hello buntime from tiny-dep");
    expect(existsSync(join(install.dir, "needs-install/1.0.0/node_modules/tiny-dep/index.js"))).toBe(true);
    expect(installs()).toHaveLength(1);
    // The install's own writes (node_modules, bun.lock) are no change on disk: a later request
    // reuses the worker and installs nothing. Waiting well past the catalogue's 50 ms debounce.
    await Bun.sleep(500);
    expect((await call(url)).status).toBe(200);
    expect(spawns.of("recycle").map((e) => e.reason)).toEqual([]);
    expect(installs()).toHaveLength(1);
    expect(spawns.of("spawn")).toHaveLength(1);
    spawns.stop();
  }, 30_000);

  test("a failing install answers 502 WORKER_START_FAILED with the installer's output", async () => {
    const url = new URL("/broken-install/", installServer.url).href;
    const [first, second] = [await call(url), await call(url)];
    for (const answer of [first, second]) {
      expect(answer.status).toBe(502);
      expect(answer.code).toBe("WORKER_START_FAILED");
      expect(answer.body.error.message).toContain('dependency "missing"');
    }
    const installs = logged.filter((l) => l.msg === "installing app dependencies" && l.app === "broken-install@1.0.0");
    expect(installs).toHaveLength(1); // remembered until the version changes on disk
  }, 30_000);
});
