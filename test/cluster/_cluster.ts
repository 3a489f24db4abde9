/**
 * A real cluster for the tests: one PostgreSQL, N server processes (each its own APPS_DIR and
 * port, sharing BUNTIME_STORE), optionally nginx in front. Nodes can be killed (-9) and started
 * again on the same port.
 */
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { startPostgres, type TestPostgres } from "../../deploy/local/postgres.ts";
import { type ServerProcess, startServerProcess } from "../_server-process.ts";
import { ADMIN_HEADERS } from "../_setup.ts";
import { tarGz } from "../support/archives.ts";
import { startNginx, type TestNginx } from "./_nginx.ts";
import { freePort } from "./_ports.ts";

export interface TestNode {
  readonly id: string;
  readonly port: number;
  readonly appsDir: string;
  readonly url: string;
  /** The running process (undefined while down). */
  process: ServerProcess | undefined;
  /** Starts the node (again) and waits until `/_/ready` answers 200. */
  start(options?: { waitReady?: boolean }): Promise<void>;
  /** `kill -9`. */
  kill(): Promise<void>;
  /** `new URL(path, url)`. */
  at(path: string): string;
}

export interface TestCluster {
  readonly pg: TestPostgres;
  /** The temp folder holding every node's APPS_DIR and data. */
  readonly dir: string;
  readonly nodes: readonly TestNode[];
  readonly lb: TestNginx | undefined;
  destroy(): Promise<void>;
}

/**
 * Starts PostgreSQL, `nodes` servers (`node-a`, `node-b`, …) and, with `nginx`, the balancer.
 * `config` is every node's `buntime.jsonc` (e.g. authz with `store: "shared"`).
 */
export async function startCluster(options: {
  nodes: number;
  nginx?: boolean;
  config?: unknown;
}): Promise<TestCluster> {
  const pg = await startPostgres();
  const dir = mkdtempSync(join(tmpdir(), "buntime-cluster-"));
  // Every node's buntime.jsonc, at `<dir>/buntime.json` (a node added later can take it too).
  const config = options.config === undefined ? undefined : join(dir, "buntime.json");
  if (config) writeFileSync(config, JSON.stringify(options.config));
  const nodes: TestNode[] = [];
  for (let i = 0; i < options.nodes; i++)
    nodes.push(await makeNode(`node-${String.fromCharCode(97 + i)}`, dir, pg.url, config));
  try {
    await Promise.all(nodes.map((n) => n.start()));
  } catch (error) {
    await Promise.all(nodes.map((n) => n.kill()));
    await pg.destroy();
    throw error;
  }
  const lb = options.nginx ? await startNginx(nodes.map((n) => n.port)) : undefined;
  return {
    pg,
    dir,
    nodes,
    lb,
    async destroy() {
      await lb?.stop();
      await Promise.all(nodes.map((n) => n.kill()));
      await pg.destroy();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** A node of the cluster in `root` (not started). */
export async function makeNode(id: string, root: string, store: string, config?: string): Promise<TestNode> {
  const port = await freePort();
  const appsDir = join(root, id, "apps");
  const dataDir = join(root, id, "data");
  const url = `http://127.0.0.1:${port}/`;
  const node: TestNode = {
    id,
    port,
    appsDir,
    url,
    process: undefined,
    at: (path) => new URL(path, url).href,
    async start(startOptions = {}) {
      node.process = await startServerProcess({
        PORT: String(port),
        APPS_DIR: appsDir,
        BUNTIME_DATA_DIR: dataDir,
        BUNTIME_STORE: store,
        BUNTIME_NODE_ID: id,
        BUNTIME_SUPERVISOR: "0",
        LOG_LEVEL: "error", // the first stdout line must be the one with the URL
        SHUTDOWN_TIMEOUT: "2",
        ...(config && { BUNTIME_CONFIG: config }),
      });
      if (startOptions.waitReady !== false)
        await waitFor(async () => (await fetch(node.at("/_/ready"))).status === 200, 15_000);
    },
    async kill() {
      const proc = node.process?.proc;
      node.process = undefined;
      if (!proc) return;
      proc.kill("SIGKILL");
      await proc.exited;
    },
  };
  await Bun.write(join(appsDir, ".keep"), "");
  return node;
}

/** Polls `check` every 20 ms until true; throws after `timeoutMs`. */
export async function waitFor(check: () => Promise<boolean>, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (await check().catch(() => false)) return;
    if (Date.now() > deadline) throw new Error(`condition not met within ${timeoutMs} ms`);
    await Bun.sleep(20);
  }
}

/** A one-file app answering its own version as text. */
export function appSource(version: string): string {
  return `export default { fetch: () => new Response(${JSON.stringify(version)}) };\n`;
}

/** Admin request to a node. */
export function admin(init: RequestInit = {}): RequestInit {
  return { ...init, headers: { ...ADMIN_HEADERS, ...(init.headers as Record<string, string>) } };
}

/** Deploys `name@version` (an `appSource` app) through `node`'s admin API. */
export async function deploy(node: TestNode, name: string, version: string, method = "POST"): Promise<Response> {
  const body = await tarGz([{ name: "index.ts", content: appSource(`${name}@${version}`) }]);
  return fetch(
    node.at(`/_/deployments/${name}/${version}`),
    admin({ method, body: body as BodyInit, headers: { "content-type": "application/gzip" } }),
  );
}

/** Whether `node` serves `name@version` as `deploy` made it. */
export async function serves(node: TestNode, name: string, version: string): Promise<boolean> {
  const res = await fetch(node.at(`/${name}@${version}/`));
  return res.status === 200 && (await res.text()) === `${name}@${version}`;
}
