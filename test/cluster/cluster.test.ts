/**
 * Three real nodes on one PostgreSQL behind nginx (docs/cluster.md): what one node accepts
 * (deployments, deletes, policies, keys) holds on that node from its answer and on every node
 * within 2 s, and the store's unique key decides between two nodes deploying the same version
 * at once.
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { join } from "node:path";
import { percentile } from "../_pool-helpers.ts";
import { killServerProcesses } from "../_server-process.ts";
import { tarGz } from "../support/archives.ts";
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

let cluster: TestCluster;
let a: TestNode;
let b: TestNode;
let c: TestNode;

const OPEN = { id: "open-apps", effect: "permit", resources: [{ path: "/**" }] };

beforeAll(async () => {
  cluster = await startCluster({
    nodes: 3,
    nginx: true,
    // Policies in the shared store; the admin routes are left to the admin guard (the token).
    config: {
      plugins: [["@buntime/authz", { store: "shared", algorithm: "deny-overrides", excludePaths: ["/_/**"] }]],
    },
  });
  [a, b, c] = cluster.nodes as [TestNode, TestNode, TestNode];
  // Until a policy permits them, app requests are denied (authz); one node's POST opens all three.
  const res = await fetch(
    a.at("/_/authz/policies"),
    admin({ method: "POST", body: JSON.stringify(OPEN), headers: { "content-type": "application/json" } }),
  );
  expect(res.status).toBe(201);
}, 60_000);

afterAll(async () => {
  await cluster?.destroy();
  killServerProcesses();
});

describe("cluster", () => {
  test("each node names itself in /_/stats and /_/metrics, and /_/cluster lists all three", async () => {
    for (const node of [a, b, c]) {
      expect(((await (await fetch(node.at("/_/metrics"), admin())).json()) as { node: string }).node).toBe(node.id);
      expect(
        ((await (await fetch(node.at("/_/stats"), admin())).json()) as { metrics: { node: string } }).metrics.node,
      ).toBe(node.id);
    }
    await waitFor(async () => {
      const body = (await (await fetch(b.at("/_/cluster"), admin())).json()) as { nodes: { id: string }[] };
      return body.nodes.map((n) => n.id).join() === "node-a,node-b,node-c";
    }, 10_000);
    const body = (await (await fetch(c.at("/_/cluster"), admin())).json()) as {
      node: string;
      store: string;
      nodes: { id: string; lastSeen: string; versions: string[] }[];
    };
    expect(body).toMatchObject({ node: "node-c", store: "postgres" });
    for (const node of body.nodes) expect(Date.now() - Date.parse(node.lastSeen)).toBeLessThan(30_000);
  });

  test("a deployment through A is served by B and C within 2 s (p99 of 20), and by A from its answer", async () => {
    const latencies: number[] = [];
    for (let i = 0; i < 20; i++) {
      const version = `1.0.${i}`;
      const res = await deploy(a, "spread", version);
      expect(res.status).toBe(201);
      const answered = performance.now();
      expect(await serves(a, "spread", version)).toBe(true);
      await Promise.all(
        [b, c].map(async (node) => {
          await waitFor(() => serves(node, "spread", version), 10_000);
          latencies.push(performance.now() - answered);
        }),
      );
    }
    const p50 = percentile(latencies, 50);
    const p99 = percentile(latencies, 99);
    console.log(
      `deploy → served on B and C: p50 ${p50.toFixed(0)} ms, p99 ${p99.toFixed(0)} ms (${latencies.length} samples)`,
    );
    expect(p99).toBeLessThan(2000);
  }, 120_000);

  test("a delete through B is gone from B from its answer, from A and C within 2 s, and through nginx", async () => {
    expect((await deploy(a, "doomed", "1.0.0")).status).toBe(201);
    for (const node of [b, c]) await waitFor(() => serves(node, "doomed", "1.0.0"), 2000);
    expect((await fetch(b.at("/_/deployments/doomed/1.0.0"), admin({ method: "DELETE" }))).status).toBe(204);
    // The node that accepted the delete: gone on the very next request, no waiting.
    expect((await fetch(b.at("/doomed@1.0.0/"))).status).toBe(404);
    for (const node of [a, c]) await waitFor(async () => (await fetch(node.at("/doomed@1.0.0/"))).status === 404, 2000);
    expect((await fetch(new URL("/doomed@1.0.0/", cluster.lb?.url))).status).toBe(404);
    // Deleting it again anywhere: 404, the store decides.
    expect((await fetch(c.at("/_/deployments/doomed/1.0.0"), admin({ method: "DELETE" }))).status).toBe(404);
  });

  test("PUT through C replaces the version on every node", async () => {
    expect((await deploy(a, "swap", "1.0.0")).status).toBe(201);
    const body = await tarGz([{ name: "index.ts", content: appSource("replaced") }]);
    const res = await fetch(
      c.at("/_/deployments/swap/1.0.0"),
      admin({ method: "PUT", body: body as BodyInit, headers: { "content-type": "application/gzip" } }),
    );
    expect(res.status).toBe(200);
    for (const node of [a, b, c]) {
      await waitFor(async () => (await (await fetch(node.at("/swap@1.0.0/"))).text()) === "replaced", 2000);
    }
  });

  test("two nodes deploying the same new version at once: exactly one 201 and one 409", async () => {
    for (let i = 0; i < 5; i++) {
      const [x, y] = await Promise.all([deploy(a, "race", `1.0.${i}`), deploy(b, "race", `1.0.${i}`)]);
      expect([x.status, y.status].sort()).toEqual([201, 409]);
      const loser = x.status === 409 ? x : y;
      expect(((await loser.json()) as { error: { code: string } }).error.code).toBe("DEPLOYMENT_EXISTS");
      for (const node of [a, b, c]) await waitFor(() => serves(node, "race", `1.0.${i}`), 2000);
    }
  });

  test("a policy change on one node applies on every node within 2 s", async () => {
    expect((await deploy(a, "guarded", "1.0.0")).status).toBe(201);
    await waitFor(() => serves(c, "guarded", "1.0.0"), 2000);
    const deny = { id: "deny-guarded", effect: "deny", resources: [{ app: "guarded" }] };
    const res = await fetch(
      b.at("/_/authz/policies"),
      admin({ method: "POST", body: JSON.stringify({ ...deny }), headers: { "content-type": "application/json" } }),
    );
    expect(res.status).toBe(201);
    for (const node of [a, b, c])
      await waitFor(async () => (await fetch(node.at("/guarded@1.0.0/"))).status === 403, 2000);
    expect((await fetch(c.at("/_/authz/policies/deny-guarded"), admin({ method: "DELETE" }))).status).toBe(204);
    for (const node of [a, b, c]) await waitFor(() => serves(node, "guarded", "1.0.0"), 2000);
  });

  test("a node started while PostgreSQL is down starts unready, then loads the policies and syncs when it is back", async () => {
    await cluster.pg.stop();
    const late = await makeNode("node-late", cluster.dir, cluster.pg.url, join(cluster.dir, "buntime.json"));
    try {
      await late.start({ waitReady: false });
      expect((await fetch(late.at("/_/health"))).status).toBe(200);
      expect((await fetch(late.at("/_/ready"))).status).toBe(503);
      await cluster.pg.start();
      await waitFor(async () => (await fetch(late.at("/_/ready"))).status === 200, 20_000);
      // Served only once the policies (a permit for every path) came from the store.
      await waitFor(() => serves(late, "spread", "1.0.0"), 5000);
    } finally {
      await late.kill();
    }
  }, 60_000);

  test("a key created on A works on B; revoked on C, it is refused on C from the answer, everywhere within 2 s", async () => {
    const res = await fetch(
      a.at("/_/keys"),
      admin({
        method: "POST",
        body: JSON.stringify({ name: "ci", role: "viewer" }),
        headers: { "content-type": "application/json" },
      }),
    );
    expect(res.status).toBe(201);
    const { key } = (await res.json()) as { key: string };
    const withKey = { headers: { authorization: `Bearer ${key}` } };
    for (const node of [a, b, c])
      await waitFor(async () => (await fetch(node.at("/_/stats"), withKey)).status === 200, 2000);
    expect((await fetch(c.at("/_/keys/ci"), admin({ method: "DELETE" }))).status).toBe(204);
    // The node that accepted the revocation: refused on the very next request, no waiting.
    expect((await fetch(c.at("/_/stats"), withKey)).status).toBe(401);
    for (const node of [a, b])
      await waitFor(async () => (await fetch(node.at("/_/stats"), withKey)).status === 401, 2000);
  });
});
