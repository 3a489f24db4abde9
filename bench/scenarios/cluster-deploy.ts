/**
 * Part of scenario `cluster`: deploy-to-served latency. Three runtime nodes share one PostgreSQL
 * (`BUNTIME_STORE`, from Debian's binaries: deploy/local/postgres.ts); `cold`-many new versions are
 * deployed one at a time through node 0, and each node is polled (every 5 ms) from the moment the
 * deployment's 201 came back until it serves the new version: the accepting node at once (it
 * serves from its answer), the others after the NOTIFY, the store read, the install into their
 * cache and a new worker's cold start.
 */
import { startPostgres } from "../../deploy/local/postgres.ts";
import type { BenchContext, Row } from "../scenario.ts";
import { startRuntime } from "../servers/runtime.ts";
import type { ServerHandle } from "../servers/server.ts";
import { summarise } from "../stats.ts";

const TOKEN = "bench-admin-token-for-cluster";
const NODES = 3;

/** A version's archive: one module answering its version (a tar.gz Bun builds in memory). */
async function archive(version: string): Promise<Uint8Array> {
  const source = `export default { fetch: () => new Response(${JSON.stringify(version)}) };\n`;
  return new Bun.Archive({ "index.ts": source }, { compress: "gzip" }).bytes();
}

async function servedWithin(url: string, body: string, limitMs: number): Promise<number> {
  const started = performance.now();
  for (;;) {
    const res = await fetch(url).catch(() => undefined);
    if (res?.status === 200 && (await res.text()) === body) return performance.now() - started;
    if (performance.now() - started > limitMs) throw new Error(`${url} did not serve ${body} within ${limitMs} ms`);
    await Bun.sleep(5);
  }
}

export async function deployToServed(ctx: BenchContext): Promise<Row[]> {
  const deploys = ctx.options.coldVersions;
  const pg = await startPostgres();
  const nodes: ServerHandle[] = [];
  try {
    for (let i = 0; i < NODES; i++) {
      nodes.push(
        await startRuntime({
          appsDir: ctx.workspace.appsDir(`cluster-${i}`),
          config: ctx.workspace.config,
          env: { BUNTIME_STORE: pg.url, BUNTIME_NODE_ID: `bench-${i}`, BUNTIME_ADMIN_TOKEN: TOKEN },
        }),
      );
    }
    for (const node of nodes) await servedWithin(new URL("/_/ready", node.url).href, '{"status":"ready"}', 15_000);
    const accepting: number[] = [];
    const others: number[] = [];
    const answers: number[] = [];
    for (let i = 0; i < deploys; i++) {
      const version = `1.0.${i}`;
      const body = await archive(version);
      const sent = performance.now();
      const res = await fetch(new URL(`/_/deployments/spread/${version}`, nodes[0]?.url), {
        method: "POST",
        body: body as BodyInit,
        headers: { authorization: `Bearer ${TOKEN}`, "content-type": "application/gzip" },
      });
      if (res.status !== 201) throw new Error(`deploy ${version}: ${res.status} ${await res.text()}`);
      answers.push(performance.now() - sent);
      const times = await Promise.all(
        nodes.map((node) => servedWithin(node.appUrl(`spread@${version}`, "/"), version, 10_000)),
      );
      accepting.push(times[0] as number);
      others.push(...times.slice(1));
    }
    ctx.log(`  cluster: ${deploys} deployments through node 0, served by ${NODES} nodes`);
    const note = [
      `${deploys} deployments, ${NODES} nodes on one PostgreSQL; time from the 201 to the node's first 200 of the new version (a new worker included)`,
    ];
    return [
      {
        measure: "deploy answer (POST, accepting node)",
        unit: "ms",
        better: "lower",
        a: { label: "p50", summary: summarise(answers, "p50") },
      },
      {
        measure: "deploy → served, accepting node, p50",
        unit: "ms",
        better: "lower",
        a: { label: "p50", summary: summarise(accepting, "p50") },
      },
      {
        measure: "deploy → served, other nodes, p50",
        unit: "ms",
        better: "lower",
        a: { label: "p50", summary: summarise(others, "p50") },
        notes: note,
      },
      {
        measure: "deploy → served, other nodes, p99",
        unit: "ms",
        better: "lower",
        a: { label: "p99", summary: summarise(others, "p99") },
      },
    ];
  } finally {
    await Promise.all(nodes.map((node) => node.stop()));
    await pg.destroy();
  }
}
