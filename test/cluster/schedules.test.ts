/**
 * Schedules across two real nodes on one PostgreSQL (docs/schedules.md): both fire every due
 * run, and the store's lease lets exactly one of them run it.
 */
import { afterAll, beforeAll, expect, test } from "bun:test";
import { killServerProcesses } from "../_server-process.ts";
import { tarGz } from "../support/archives.ts";
import { admin, startCluster, type TestCluster, type TestNode, waitFor } from "./_cluster.ts";

let cluster: TestCluster;
let nodes: TestNode[];

beforeAll(async () => {
  cluster = await startCluster({ nodes: 2 });
  nodes = [...cluster.nodes];
}, 60_000);

afterAll(async () => {
  await cluster?.destroy();
  killServerProcesses();
});

type Counts = Record<"ok" | "error" | "timeout" | "skipped", number>;

interface Stats {
  schedules: { app: string; counts: Counts }[];
}

const runsOn = async (node: TestNode): Promise<Counts> => {
  const stats = (await (await fetch(node.at("/_/stats"), admin())).json()) as Stats;
  return stats.schedules.find((s) => s.app === "tick")?.counts ?? { ok: 0, error: 0, timeout: 0, skipped: 0 };
};

test("a schedule due every second runs once a second in the cluster, not once per node", async () => {
  const body = await tarGz([
    { name: "index.ts", content: "export default { fetch: () => new Response('tick'), scheduled() {} };\n" },
    { name: "worker.jsonc", content: JSON.stringify({ schedules: [{ cron: "* * * * * *" }] }) },
  ]);
  const [a, b] = nodes as [TestNode, TestNode];
  const res = await fetch(
    a.at("/_/deployments/tick/1.0.0"),
    admin({ method: "POST", body: new Uint8Array(body), headers: { "content-type": "application/gzip" } }),
  );
  expect(res.status).toBe(201);
  // Both nodes have it scheduled (B installs it from the store, then reads its schedules).
  await waitFor(async () => (await runsOn(a)).ok + (await runsOn(b)).ok > 0, 15_000);
  const before = (await runsOn(a)).ok + (await runsOn(b)).ok;
  const started = performance.now();
  await Bun.sleep(6000);
  const after = [await runsOn(a), await runsOn(b)];
  const seconds = (performance.now() - started) / 1000;
  const runs = (after[0]?.ok ?? 0) + (after[1]?.ok ?? 0) - before;
  console.log(`${runs} runs in ${seconds.toFixed(1)} s: A ${after[0]?.ok}, B ${after[1]?.ok}`);
  // Once per second (±1 at each end), where two nodes each running it would make twice as many.
  expect(runs).toBeGreaterThanOrEqual(Math.floor(seconds) - 1);
  expect(runs).toBeLessThanOrEqual(Math.ceil(seconds) + 1);
  expect(after.every((counts) => counts.error === 0 && counts.timeout === 0)).toBe(true);
}, 60_000);
