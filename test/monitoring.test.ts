import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { hostname } from "node:os";
import { normaliseConfig } from "../server/src/config/buntime-config.ts";
import type { RunningServer } from "../server/src/server.ts";
import { asAdmin, ROOT, startTestServer, stopThenRemove, tempAppsDir } from "./_setup.ts";
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

  test("stats: one entry per live worker, with memory read inside it", async () => {
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
