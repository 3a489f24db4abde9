/**
 * The cluster's failure semantics (docs/cluster.md), against real processes: a node killed with
 * SIGKILL under load, PostgreSQL stopped for 10 s under load, a node that misses a deploy and a
 * delete, a node that never synced.
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { killServerProcesses } from "../_server-process.ts";
import {
  admin,
  appSource,
  deploy,
  makeNode,
  serves,
  startCluster,
  type TestCluster,
  type TestNode,
  waitFor,
} from "./_cluster.ts";
import { startLoad } from "./_load.ts";

let cluster: TestCluster;
let a: TestNode;
let b: TestNode;
let c: TestNode;

async function code(res: Response): Promise<string | undefined> {
  return ((await res.json().catch(() => ({}))) as { error?: { code: string } }).error?.code;
}

beforeAll(async () => {
  cluster = await startCluster({ nodes: 3, nginx: true });
  [a, b, c] = cluster.nodes as [TestNode, TestNode, TestNode];
  expect((await deploy(a, "steady", "1.0.0")).status).toBe(201);
  for (const node of [b, c]) await waitFor(() => serves(node, "steady", "1.0.0"), 5000);
}, 60_000);

afterAll(async () => {
  await cluster?.destroy();
  killServerProcesses();
});

describe("cluster failures", () => {
  test("kill -9 of a node under load: no idempotent request fails at nginx; it restarts, converges and serves", async () => {
    const url = new URL("/steady@1.0.0/", cluster.lb?.url).href;
    const load = startLoad(url, "steady@1.0.0");
    await waitFor(async () => load.requests > 100, 10_000);
    await b.kill();
    // While B is down, a deployment it must pick up when it is back.
    expect((await deploy(a, "later", "1.0.0")).status).toBe(201);
    const before = load.requests;
    await waitFor(async () => load.requests > before + 200, 10_000);
    await b.start(); // resolves once /_/ready is 200: synced
    expect(await serves(b, "later", "1.0.0")).toBe(true);
    const restarted = load.requests;
    await waitFor(async () => load.requests > restarted + 200, 10_000);
    const { requests, failures } = await load.stop();
    console.log(`kill -9 under load: ${requests} requests through nginx, ${failures.length} failed`);
    expect(failures).toEqual([]);
  }, 60_000);

  test("a node down during a deploy and a delete converges when back, never serving the deleted version", async () => {
    expect((await deploy(a, "moving", "1.0.0")).status).toBe(201);
    await waitFor(() => serves(c, "moving", "1.0.0"), 2000);
    await c.kill();
    expect((await deploy(a, "moving", "2.0.0")).status).toBe(201);
    expect((await fetch(b.at("/_/deployments/moving/1.0.0"), admin({ method: "DELETE" }))).status).toBe(204);
    await c.start({ waitReady: false });
    // Its cache still holds 1.0.0; from the moment it is ready, it serves what the store holds.
    await waitFor(async () => (await fetch(c.at("/_/ready"))).status === 200, 15_000);
    expect((await fetch(c.at("/moving@1.0.0/"))).status).toBe(404);
    expect(await serves(c, "moving", "2.0.0")).toBe(true);
  }, 60_000);

  test("PostgreSQL stopped for 10 s under load: no app request fails, writes answer 503, then everything converges", async () => {
    const url = new URL("/steady@1.0.0/", cluster.lb?.url).href;
    const load = startLoad(url, "steady@1.0.0");
    await waitFor(async () => load.requests > 50, 10_000);
    const stoppedAt = Date.now();
    await cluster.pg.stop();

    const write = await deploy(a, "lost", "1.0.0");
    expect(write.status).toBe(503);
    expect(await code(write)).toBe("STORE_UNAVAILABLE");
    const remove = await fetch(b.at("/_/deployments/steady/1.0.0"), admin({ method: "DELETE" }));
    expect(remove.status).toBe(503);
    const key = await fetch(
      c.at("/_/keys"),
      admin({
        method: "POST",
        body: JSON.stringify({ name: "lost", role: "viewer" }),
        headers: { "content-type": "application/json" },
      }),
    );
    expect(key.status).toBe(503);
    // Nodes that had synced stay ready (they can serve); a node that never synced is not.
    for (const node of [a, b, c]) expect((await fetch(node.at("/_/ready"))).status).toBe(200);
    const fresh = await makeNode("node-d", cluster.dir, cluster.pg.url);
    // A version put in its APPS_DIR by hand, never in the store: not the sync's to delete.
    mkdirSync(join(fresh.appsDir, "by-hand", "1.0.0"), { recursive: true });
    writeFileSync(join(fresh.appsDir, "by-hand", "1.0.0", "index.ts"), appSource("by-hand@1.0.0"));
    await fresh.start({ waitReady: false });
    expect((await fetch(fresh.at("/_/health"))).status).toBe(200);
    expect((await fetch(fresh.at("/_/ready"))).status).toBe(503);
    // Nothing half-written: the refused deployment is on no node's disk.
    expect((await fetch(a.at("/lost@1.0.0/"))).status).toBe(404);

    await Bun.sleep(Math.max(0, 10_000 - (Date.now() - stoppedAt)));
    await cluster.pg.start();
    await waitFor(async () => (await fetch(fresh.at("/_/ready"))).status === 200, 20_000);
    expect(await serves(fresh, "steady", "1.0.0")).toBe(true);
    // Writes work again and reach every node, the one that never synced included.
    await waitFor(async () => (await deploy(b, "after", "1.0.0")).status === 201, 10_000);
    for (const node of [a, b, c, fresh]) await waitFor(() => serves(node, "after", "1.0.0"), 5000);
    for (const node of [a, b, c, fresh]) {
      expect(await serves(node, "steady", "1.0.0")).toBe(true);
      expect((await fetch(node.at("/lost@1.0.0/"))).status).toBe(404);
    }
    expect(await serves(fresh, "by-hand", "1.0.0")).toBe(true);
    const { requests, failures } = await load.stop();
    console.log(`PostgreSQL down 10 s under load: ${requests} requests through nginx, ${failures.length} failed`);
    expect(failures).toEqual([]);
    await fresh.kill();
  }, 90_000);
});
