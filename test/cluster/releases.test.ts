/**
 * Releases across two real nodes on one PostgreSQL (docs/releases.md, docs/cluster.md): a
 * rollback (`latest` moved back) or a traffic split written through one node routes on the other
 * within 2 s; the history one node recorded is the other's.
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { killServerProcesses } from "../_server-process.ts";
import { tarGz } from "../support/archives.ts";
import { admin, appSource, startCluster, type TestCluster, type TestNode, waitFor } from "./_cluster.ts";

let cluster: TestCluster;
let a: TestNode;
let b: TestNode;

async function deploy(node: TestNode, version: string, app = "rel"): Promise<void> {
  const body = await tarGz([{ name: "index.ts", content: appSource(`${app}@${version}`) }]);
  const res = await fetch(
    node.at(`/_/deployments/${app}/${version}`),
    admin({ method: "POST", body: new Uint8Array(body), headers: { "content-type": "application/gzip" } }),
  );
  expect(res.status).toBe(201);
}

const json = (method: string, body?: unknown) =>
  admin({
    method,
    headers: { "content-type": "application/json" },
    body: body === undefined ? undefined : JSON.stringify(body),
  });

const served = async (node: TestNode, headers: Record<string, string> = {}) =>
  (await fetch(node.at("/rel/"), { headers })).text();

beforeAll(async () => {
  cluster = await startCluster({ nodes: 2 });
  [a, b] = cluster.nodes as [TestNode, TestNode];
  await deploy(a, "1.0.0");
  await deploy(a, "2.0.0");
  await Promise.all([a, b].map((node) => waitFor(async () => (await served(node)) === "rel@2.0.0", 10_000)));
}, 60_000);

afterAll(async () => {
  await cluster?.destroy();
  killServerProcesses();
});

describe("releases in a cluster", () => {
  test("rollback through A: A serves the old version from its answer, B within 2 s", async () => {
    const res = await fetch(a.at("/_/apps/rel/tags/latest"), json("PUT", { version: "1.0.0" }));
    expect(res.status).toBe(200);
    const answered = performance.now();
    expect(await served(a)).toBe("rel@1.0.0");
    await waitFor(async () => (await served(b)) === "rel@1.0.0", 2000);
    console.log(`rollback → served by B after ${(performance.now() - answered).toFixed(0)} ms`);
    // B records what A wrote.
    const history = (await (await fetch(b.at("/_/apps/rel/history"), admin())).json()) as { by: string }[];
    expect(history[0]).toMatchObject({ by: "admin-token", change: { action: "tag", tag: "latest", version: "1.0.0" } });
    expect((await fetch(b.at("/_/apps/rel/tags/latest"), json("DELETE"))).status).toBe(200);
    await waitFor(async () => (await served(a)) === "rel@2.0.0", 2000);
  });

  test("deployed through A, tagged and split through B at once (a client behind a load balancer)", async () => {
    for (const [i, version] of ["1.0.0", "1.1.0"].entries()) {
      await deploy(a, version, `fresh${i}`);
      // No wait: B may not have the version in its cache yet, and catches up with the store.
      const tagged = await fetch(b.at(`/_/apps/fresh${i}/tags/beta`), json("PUT", { version }));
      expect({ version, status: tagged.status }).toEqual({ version, status: 200 });
    }
    await deploy(a, "2.0.0", "fresh1");
    const split = await fetch(b.at("/_/apps/fresh1/traffic"), json("PUT", { "1.1.0": 50, "2.0.0": 50 }));
    expect(split.status).toBe(200);
    expect(await (await fetch(b.at("/fresh0@beta/"))).text()).toBe("fresh0@1.0.0");
  });

  test("a tag through B and a delete of its version through A, at once: never both (no tag left naming a version gone)", async () => {
    for (let i = 0; i < 8; i++) {
      const app = `race${i}`;
      await deploy(a, "1.0.0", app);
      await deploy(a, "2.0.0", app);
      const [tagged, deleted] = await Promise.all([
        fetch(b.at(`/_/apps/${app}/tags/latest`), json("PUT", { version: "1.0.0" })),
        fetch(a.at(`/_/deployments/${app}/1.0.0`), admin({ method: "DELETE" })),
      ]);
      const both = tagged.status === 200 && deleted.status === 204;
      expect({ app, tag: tagged.status, delete: deleted.status, both }).toMatchObject({ app, both: false });
      const state = (await (await fetch(a.at(`/_/apps/${app}`), admin())).json()) as { tags: Record<string, string> };
      if (state.tags.latest !== undefined) expect(deleted.status).toBe(409);
    }
  });

  test("a split written through B: a sticky key lands on the same version on both nodes", async () => {
    const res = await fetch(b.at("/_/apps/rel/traffic"), json("PUT", { "1.0.0": 50, "2.0.0": 50 }));
    expect(res.status).toBe(200);
    const keys = Array.from({ length: 20 }, (_, i) => `k${i}`);
    await waitFor(async () => {
      const onA = await Promise.all(keys.map((k) => served(a, { "x-buntime-sticky": k })));
      const onB = await Promise.all(keys.map((k) => served(b, { "x-buntime-sticky": k })));
      return new Set(onA).size === 2 && onA.join() === onB.join();
    }, 2000);
  });
});
