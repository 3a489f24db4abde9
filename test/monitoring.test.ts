import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { hostname } from "node:os";
import { normaliseConfig } from "../server/src/config/buntime-config.ts";
import type { RunningServer } from "../server/src/server.ts";
import { writeApp } from "./_pool-helpers.ts";
import { asAdmin, eventually, ROOT, startTestServer, stopThenRemove, type TestServer, tempAppsDir } from "./_setup.ts";
import { obtainPromtool } from "./support/promtool.ts";

let server: RunningServer;
const at = (path: string) => new URL(path, server.url);
// Only the apps the traffic below reaches: fixtures/apps holds `cron`, whose every-minute
// schedule would start a worker of its own (one spawn more) whenever the run crosses a minute.
const apps = tempAppsDir("hello", "hono-api", "sse");

beforeAll(async () => {
  server = await startTestServer(
    { APPS_DIR: apps.dir },
    { config: normaliseConfig({ required: ["@buntime/metrics"], plugins: ["@buntime/metrics"] }, ROOT) },
  );
  // Real traffic: successes, runtime errors, an app error.
  await Promise.all([
    ...Array.from({ length: 5 }, () => fetch(at("/hello/"))),
    fetch(at("/hello@9/")),
    fetch(at("/nope/")),
    fetch(at("/hono-api/users/1")),
  ]);
});
afterAll(() => stopThenRemove(server, apps));

let promtoolPath: string;
// On a machine without promtool this downloads Debian's prometheus package once (about 20 MB).
beforeAll(async () => {
  promtoolPath = await obtainPromtool();
}, 300_000);

async function promtool(text: string): Promise<{ code: number; output: string }> {
  const child = Bun.spawn([promtoolPath, "check", "metrics"], { stdin: "pipe", stdout: "pipe", stderr: "pipe" });
  child.stdin.write(text);
  await child.stdin.end();
  const [out, err, code] = await Promise.all([
    new Response(child.stdout).text(),
    new Response(child.stderr).text(),
    child.exited,
  ]);
  return { code, output: out + err };
}

describe("@buntime/metrics", () => {
  test("text format 0.0.4 passes the real promtool", async () => {
    const res = await fetch(at("/_/metrics/prometheus"), asAdmin());
    expect(res.headers.get("content-type")).toContain("text/plain; version=0.0.4");
    const text = await res.text();
    expect(text).toContain('buntime_requests_total{app="hello",version="2.0.0",status="2xx"} 5');
    expect(text).toContain('buntime_runtime_errors_total{code="VERSION_NOT_FOUND"} 1');
    expect(text).toContain('buntime_worker_spawns_total{app="hello"} 1');
    expect(text).toContain("process_resident_memory_bytes");
    // The node's id (docs/cluster.md): host name + pid by default.
    expect(text).toContain(`buntime_node_info{node="${hostname()}-${process.pid}"} 1`);
    const result = await promtool(text);
    expect(result.output).toBe("");
    expect(result.code).toBe(0);
  });

  test("OpenMetrics when the Accept header asks for it", async () => {
    const res = await fetch(
      at("/_/metrics/prometheus"),
      asAdmin({ headers: { accept: "application/openmetrics-text" } }),
    );
    expect(res.headers.get("content-type")).toContain("application/openmetrics-text");
    const text = await res.text();
    // promtool lints only the 0.0.4 text format; check OpenMetrics' own markers instead.
    expect(text.trimEnd().endsWith("# EOF")).toBe(true);
    expect(text).toContain("# TYPE buntime_requests counter\n");
    expect(text).toContain('buntime_requests_total{app="hello",version="2.0.0",status="2xx"} 5');
  });
});

describe("/_/metrics and /_/stats", () => {
  test("both carry the node's id (docs/cluster.md)", async () => {
    const id = `${hostname()}-${process.pid}`;
    expect(((await (await fetch(at("/_/metrics"), asAdmin())).json()) as { node: string }).node).toBe(id);
    expect(
      ((await (await fetch(at("/_/stats"), asAdmin())).json()) as { metrics: { node: string } }).metrics.node,
    ).toBe(id);
  });

  test("metrics: workers by state, requests, errors by code, latency, pool counters", async () => {
    const metrics = (await (await fetch(at("/_/metrics"), asAdmin())).json()) as Record<
      string,
      Record<string, unknown>
    >;
    expect(metrics.workers?.total).toBeGreaterThanOrEqual(2);
    expect((metrics.requests?.byStatus as Record<string, number> | undefined)?.["2xx"]).toBeGreaterThanOrEqual(6);
    expect(metrics.errors?.byCode).toMatchObject({ VERSION_NOT_FOUND: 1, APP_NOT_FOUND: 1 });
    expect(metrics.latencyMs).toMatchObject({
      count: expect.any(Number),
      p50: expect.any(Number),
      p99: expect.any(Number),
    });
    expect(metrics.pool).toMatchObject({
      hits: expect.any(Number),
      misses: expect.any(Number),
      evictions: 0,
      spawns: 2,
    });
  });

  test("stats: one entry per live worker, with its id, state, counts and ages (memory: below)", async () => {
    const stats = (await (await fetch(at("/_/stats"), asAdmin())).json()) as {
      workers: { app: string; version: string; requests: number; memory: { heapUsed: number } }[];
      apps: { name: string }[];
    };
    const hello = stats.workers.find((w) => w.app === "hello");
    expect(hello).toMatchObject({ version: "2.0.0", requests: 5, state: "idle", inFlight: 0, errors: 0 });
    expect(hello).toHaveProperty("id");
    expect(hello).toHaveProperty("ageMs");
    expect(hello).toHaveProperty("idleMs");
    expect(stats.apps.map((a) => a.name)).toContain("hello");
  });
});

describe("/_/metrics: workers by state", () => {
  test("byState counts every live worker once: its sum is workers.total, and both match /_/stats", async () => {
    const metrics = (await (await fetch(at("/_/metrics"), asAdmin())).json()) as {
      workers: { total: number; byState: Record<string, number> };
    };
    const { total, byState } = metrics.workers;
    expect(total).toBeGreaterThanOrEqual(2); // hello and hono-api served the traffic above
    expect(Object.values(byState).reduce((a, b) => a + b, 0)).toBe(total);
    // Nothing is in flight between tests, so the pool is the same when /_/stats reads it.
    const stats = (await (await fetch(at("/_/stats"), asAdmin())).json()) as { workers: { state: string }[] };
    expect(stats.workers).toHaveLength(total);
    const counted: Record<string, number> = {};
    for (const worker of stats.workers) counted[worker.state] = (counted[worker.state] ?? 0) + 1;
    expect(byState).toEqual(counted);
  });
});

describe("/_/stats: memory is read inside each worker", () => {
  type Memory = { heapUsed: number; rss: number };
  let own: TestServer;
  let ownApps: ReturnType<typeof tempAppsDir>;
  beforeAll(async () => {
    ownApps = tempAppsDir("hello");
    // memory-hog without its maxMemory: its heap grows as asked and it is never recycled for it.
    writeApp(ownApps.dir, "hog", "memory-hog", {});
    own = await startTestServer({ APPS_DIR: ownApps.dir });
  });
  afterAll(() => stopThenRemove(own, ownApps));

  const memoryOf = async (app: string): Promise<Memory | undefined> => {
    const stats = (await (await own.admin("/_/stats")).json()) as { workers: { app: string; memory: Memory }[] };
    return stats.workers.find((w) => w.app === app)?.memory;
  };

  test("a live worker reports heapUsed and rss above zero; one worker's heap growth shows in its own entry only", async () => {
    expect((await fetch(own.at("/hello/"))).status).toBe(200);
    expect((await fetch(own.at("/hog/?mb=1"))).status).toBe(200);
    // The worker reports its memory with its heartbeat (every second): no event marks it.
    await eventually(
      async () => ((await memoryOf("hello"))?.heapUsed ?? 0) > 0 && ((await memoryOf("hog"))?.heapUsed ?? 0) > 0,
    );
    for (const app of ["hello", "hog"]) {
      const memory = await memoryOf(app);
      expect(memory?.heapUsed).toBeGreaterThan(0);
      expect(memory?.rss).toBeGreaterThan(0);
    }
    const MB = 1024 * 1024;
    const hogBefore = (await memoryOf("hog"))?.heapUsed ?? 0;
    for (let i = 0; i < 2; i++) expect((await fetch(own.at("/hog/?mb=20"))).status).toBe(200);
    await eventually(async () => ((await memoryOf("hog"))?.heapUsed ?? 0) > hogBefore + 20 * MB);
    // Read from the host's own heap, both workers would show the same figure; read inside each
    // worker, hello's heap stays far below the hog's.
    const [hello, hog] = [await memoryOf("hello"), await memoryOf("hog")];
    expect(hello?.heapUsed).toBeLessThan((hog?.heapUsed ?? 0) - 20 * MB);
  });
});

describe("/_/sse", () => {
  test("a stats event, a worker event on spawn, and no listener left after the client goes", async () => {
    const listenersBefore = server.pool.events.listenerCount("spawn");
    const controller = new AbortController();
    const res = await fetch(at("/_/sse"), asAdmin({ signal: controller.signal }));
    expect(res.headers.get("content-type")).toContain("text/event-stream");
    const reader = (res.body as ReadableStream<Uint8Array>).getReader();
    const decoder = new TextDecoder();
    let text = "";
    const waitFor = async (needle: string) => {
      while (!text.includes(needle)) {
        const { value, done } = await reader.read();
        if (done) throw new Error(`stream ended before ${needle}`);
        text += decoder.decode(value, { stream: true });
      }
    };
    await waitFor("event: stats");
    expect(server.pool.events.listenerCount("spawn")).toBe(listenersBefore + 1);
    await fetch(at("/sse@1/?count=1"));
    await waitFor('"type":"spawn"');
    expect(text).toMatch(/event: worker\ndata: \{"type":"spawn","key":"sse@1\.0\.0"/);
    controller.abort();
    await reader.cancel().catch(() => {});
    const deadline = Date.now() + 2000;
    while (server.pool.events.listenerCount("spawn") !== listenersBefore && Date.now() < deadline) await Bun.sleep(10);
    expect(server.pool.events.listenerCount("spawn")).toBe(listenersBefore);
  });
});
