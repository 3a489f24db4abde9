/**
 * What the runtime counts per version or app leaves with it: `/_/metrics` (`requests.byVersion`,
 * `apps`) and the Prometheus series of `@buntime/metrics`. A CI that deploys `1.0.<build>` and
 * deletes the old ones would otherwise grow them until a restart (docs/monitoring.md).
 */
import { afterAll, beforeAll, expect, test } from "bun:test";
import { normaliseConfig } from "../server/src/config/buntime-config.ts";
import type { RunningServer } from "../server/src/server.ts";
import { asAdmin, ROOT, startTestServer, stopThenRemove, tempAppsDir } from "./_setup.ts";
import { tarGz } from "./support/archives.ts";

let server: RunningServer;
const at = (path: string) => new URL(path, server.url);
const apps = tempAppsDir("hello", "echo");

beforeAll(async () => {
  server = await startTestServer(
    { APPS_DIR: apps.dir },
    { config: normaliseConfig({ required: ["@buntime/metrics"], plugins: ["@buntime/metrics"] }, ROOT) },
  );
});
afterAll(() => stopThenRemove(server, apps));

async function served(path: string): Promise<void> {
  const res = await fetch(at(path));
  await res.arrayBuffer();
  expect(res.status).toBe(200);
}

async function figures(): Promise<{ byVersion: Record<string, number>; apps: string[]; prometheus: string }> {
  const metrics = (await (await fetch(at("/_/metrics"), asAdmin())).json()) as {
    requests: { byVersion: Record<string, number> };
    apps: Record<string, unknown>;
  };
  const prometheus = await (await fetch(at("/_/metrics/prometheus"), asAdmin())).text();
  return { byVersion: metrics.requests.byVersion, apps: Object.keys(metrics.apps), prometheus };
}

async function remove(name: string, version: string): Promise<void> {
  const res = await fetch(at(`/_/deployments/${name}/${version}`), asAdmin({ method: "DELETE" }));
  expect(res.status).toBe(204);
}

test("a deleted version's counts and series go; the app's other versions keep theirs", async () => {
  await served("/hello@1.0.0/");
  await served("/hello@1.1.0/");
  const before = await figures();
  expect(before.byVersion).toMatchObject({ "hello@1.0.0": 1, "hello@1.1.0": 1 });
  expect(before.prometheus).toContain('buntime_requests_total{app="hello",version="1.0.0",status="2xx"} 1');

  await remove("hello", "1.0.0");
  const after = await figures();
  expect(after.byVersion["hello@1.0.0"]).toBeUndefined();
  expect(after.byVersion["hello@1.1.0"]).toBe(1);
  expect(after.prometheus).not.toContain('version="1.0.0"');
  expect(after.prometheus).toContain('buntime_requests_total{app="hello",version="1.1.0",status="2xx"} 1');
  expect(after.apps).toContain("hello");
});

test("an app whose last version is deleted leaves no figure and no series behind", async () => {
  await served("/echo/");
  const before = await figures();
  expect(before.apps).toContain("echo");
  expect(before.prometheus).toContain('buntime_worker_spawns_total{app="echo"} 1');
  expect(before.prometheus).toContain('buntime_request_duration_seconds_count{app="echo"} 1');

  await remove("echo", "1.0.0");
  const after = await figures();
  expect(Object.keys(after.byVersion).filter((key) => key.startsWith("echo@"))).toEqual([]);
  expect(after.apps).not.toContain("echo");
  expect(after.prometheus).not.toContain('app="echo"');
});

test("deploy, serve, delete, again and again: the figures stay the size of what is deployed", async () => {
  const archive = await tarGz([
    { name: "index.ts", content: 'export default { fetch: () => new Response("churn") };' },
  ]);
  for (let i = 0; i < 20; i++) {
    const deploy = await fetch(
      at(`/_/deployments/churn/1.0.${i}`),
      asAdmin({
        method: "POST",
        body: archive as Uint8Array<ArrayBuffer>,
        headers: { "content-type": "application/gzip" },
      }),
    );
    expect(deploy.status).toBe(201);
    await served(`/churn@1.0.${i}/`);
    await remove("churn", `1.0.${i}`);
  }
  const { byVersion, apps: names, prometheus } = await figures();
  expect(Object.keys(byVersion).filter((key) => key.startsWith("churn@"))).toEqual([]);
  expect(names).not.toContain("churn");
  expect(prometheus).not.toContain('app="churn"');
}, 60_000);
