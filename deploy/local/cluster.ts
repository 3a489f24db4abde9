#!/usr/bin/env bun
/**
 * `npm run cluster`: a cluster to try on this machine (docs/cluster.md#try-it-on-one-machine):
 * PostgreSQL (the shared store), three Buntime nodes and nginx in front as the load balancer,
 * retrying idempotent requests on the next node when one fails. Prints the URLs; Ctrl-C (or
 * SIGTERM) stops everything and removes the folder it ran in. Binaries come from Debian's packages;
 * a missing one stops it with a one-line hint. `PORT` picks the balancer's port (default 8080; 0 =
 * free).
 */
import { chmodSync, chownSync, existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import type { Subprocess } from "bun";
import { envSchema } from "../../server/src/constants.ts";
import { nginxConfig } from "./nginx-config.ts";
import { postgresBinDir } from "./postgres.ts";

const ROOT = resolve(import.meta.dir, "../..");
const NODES = ["node-a", "node-b", "node-c"];
const HINT = "apt-get install postgresql nginx";
/** Unprivileged user for PostgreSQL (initdb refuses root) and nginx's workers, when we are root. */
const NOBODY = { uid: 65534, gid: 65534 };
const READY_WITHIN_MS = 60_000;

const say = (line: string) => console.log(`buntime cluster: ${line}`);

/** Debian's PostgreSQL server binaries, or undefined when missing (the one-line hint follows). */
function postgresBin(): string | undefined {
  try {
    return postgresBinDir();
  } catch {
    return undefined;
  }
}

function nginxBin(): string | undefined {
  return Bun.which("nginx") ?? ["/usr/sbin/nginx"].find((path) => existsSync(path));
}

function freePort(): number {
  const listener = Bun.listen({ hostname: "127.0.0.1", port: 0, socket: { data() {} } });
  const { port } = listener;
  listener.stop(true);
  return port;
}

const asRoot = process.getuid?.() === 0;
/** A command run as NOBODY when we are root (setpriv, from util-linux). */
const unprivileged = (command: string[]) =>
  asRoot ? ["setpriv", `--reuid=${NOBODY.uid}`, `--regid=${NOBODY.gid}`, "--clear-groups", "--", ...command] : command;

const children: { name: string; proc: Subprocess; stop: NodeJS.Signals }[] = [];

function start(name: string, command: string[], env: Record<string, string>, log: string, stop: NodeJS.Signals) {
  const proc = Bun.spawn(command, {
    env: { PATH: process.env.PATH ?? "", HOME: process.env.HOME ?? "/tmp", LANG: "C.UTF-8", ...env },
    stdin: "ignore",
    stdout: Bun.file(log),
    stderr: Bun.file(log),
    // Its own process group: a Ctrl-C reaches this script, which stops each in order.
    detached: true,
  });
  children.push({ name, proc, stop });
  return proc;
}

async function waitFor(url: string, what: string, proc: Subprocess, log: string): Promise<void> {
  const until = Date.now() + READY_WITHIN_MS;
  while (Date.now() < until) {
    if (proc.exitCode !== null || proc.signalCode !== null) throw new Error(`${what} exited; see ${log}`);
    try {
      if ((await fetch(url, { signal: AbortSignal.timeout(1000) })).ok) return;
    } catch {
      // not listening yet
    }
    await Bun.sleep(200);
  }
  throw new Error(`${what} did not answer ${url} within ${READY_WITHIN_MS / 1000} s; see ${log}`);
}

async function waitForPostgres(bin: string, port: number, socketDir: string, proc: Subprocess, log: string) {
  const until = Date.now() + READY_WITHIN_MS;
  while (Date.now() < until) {
    if (proc.exitCode !== null) throw new Error(`PostgreSQL exited; see ${log}`);
    const check = Bun.spawnSync([join(bin, "pg_isready"), "-h", socketDir, "-p", String(port)]);
    if (check.exitCode === 0) return;
    await Bun.sleep(200);
  }
  throw new Error(`PostgreSQL did not start within ${READY_WITHIN_MS / 1000} s; see ${log}`);
}

let stopping: Promise<void> | undefined;
/** Stops the nodes (they drain), then the balancer and the database; removes the folder. */
function stopAll(dir: string, code: number): Promise<void> {
  stopping ??= (async () => {
    for (const group of [children.filter((c) => c.name.startsWith("node")), children]) {
      for (const child of group) if (child.proc.exitCode === null) child.proc.kill(child.stop);
      await Promise.all(group.map((child) => child.proc.exited));
    }
    rmSync(dir, { recursive: true, force: true });
    say("stopped");
    process.exit(code);
  })();
  return stopping;
}

async function main(): Promise<void> {
  const pg = postgresBin();
  const nginx = nginxBin();
  const missing = [!pg && "PostgreSQL", !nginx && "nginx"].filter(Boolean);
  if (missing.length > 0 || (asRoot && !Bun.which("setpriv"))) {
    console.error(`buntime cluster: ${missing.join(" and ") || "setpriv"} not found: ${HINT}`);
    process.exit(1);
  }
  const dir = mkdtempSync(join(tmpdir(), "buntime-cluster-"));
  // nobody must pass through it to its own folders (PostgreSQL's, nginx's temp).
  if (asRoot) chmodSync(dir, 0o711);
  process.on("SIGINT", () => void stopAll(dir, 0));
  process.on("SIGTERM", () => void stopAll(dir, 0));
  try {
    await run(dir, pg as string, nginx as string);
  } catch (error) {
    console.error(`buntime cluster: ${(error as Error).message}`);
    await stopAll(dir, 1);
  }
}

async function run(dir: string, pg: string, nginx: string): Promise<void> {
  // PostgreSQL, as nobody when root, in a folder nobody owns.
  const pgDir = join(dir, "postgres");
  mkdirSync(pgDir);
  if (asRoot) chownSync(pgDir, NOBODY.uid, NOBODY.gid);
  const data = join(pgDir, "data");
  const init = Bun.spawnSync(
    unprivileged([join(pg, "initdb"), "-D", data, "-U", "buntime", "--auth=trust", "-E", "UTF8", "--no-sync"]),
    { stdout: "pipe", stderr: "pipe", env: { PATH: process.env.PATH ?? "", LANG: "C.UTF-8" } },
  );
  if (init.exitCode !== 0) throw new Error(`initdb failed: ${init.stderr.toString().trim()}`);
  const pgPort = freePort();
  const pgLog = join(dir, "postgres.log");
  writeFileSync(pgLog, "");
  if (asRoot) chownSync(pgLog, NOBODY.uid, NOBODY.gid);
  const postgres = start(
    "postgres",
    unprivileged([
      join(pg, "postgres"),
      "-D",
      data,
      "-p",
      String(pgPort),
      "-k",
      pgDir,
      "-c",
      "listen_addresses=127.0.0.1",
    ]),
    {},
    pgLog,
    "SIGINT", // fast shutdown
  );
  await waitForPostgres(pg, pgPort, pgDir, postgres, pgLog);
  const storeUrl = `postgres://buntime@127.0.0.1:${pgPort}/postgres`;
  say(`PostgreSQL on ${storeUrl}`);

  // Three nodes sharing the store.
  const shared = "BUNTIME_STORE" in envSchema.shape;
  if (!shared) say("this build has no shared store (BUNTIME_STORE): the nodes start, each with its own files");
  const token = Buffer.from(crypto.getRandomValues(new Uint8Array(24))).toString("base64url");
  const nodes: { name: string; url: string }[] = [];
  for (const name of NODES) {
    const port = freePort();
    const home = join(dir, name);
    mkdirSync(join(home, "apps"), { recursive: true });
    const log = join(dir, `${name}.log`);
    const proc = start(
      name,
      [process.execPath, join(ROOT, "server/src/index.ts")],
      {
        PORT: String(port),
        HOST: "127.0.0.1",
        APPS_DIR: join(home, "apps"),
        BUNTIME_DATA_DIR: join(home, "data"),
        BUNTIME_NODE_ID: name,
        BUNTIME_ADMIN_TOKEN: token,
        ...(shared ? { BUNTIME_STORE: storeUrl } : {}),
      },
      log,
      "SIGTERM",
    );
    const url = `http://127.0.0.1:${port}/`;
    await waitFor(new URL("/_/health", url).href, name, proc, log);
    nodes.push({ name, url });
    say(`${name} on ${url} (log ${log})`);
  }

  // nginx in front.
  const lbPort = process.env.PORT === "0" ? freePort() : Number(process.env.PORT || 8080);
  const nginxDir = join(dir, "nginx");
  mkdirSync(join(nginxDir, "temp"), { recursive: true });
  if (asRoot) chownSync(join(nginxDir, "temp"), NOBODY.uid, NOBODY.gid);
  const conf = join(nginxDir, "nginx.conf");
  writeFileSync(
    conf,
    nginxConfig({
      dir: nginxDir,
      port: lbPort,
      upstreams: nodes.map((n) => new URL(n.url).host),
      user: asRoot ? "nobody nogroup" : undefined,
    }),
  );
  const nginxLog = join(dir, "nginx.log");
  const balancer = start("nginx", [nginx, "-p", nginxDir, "-c", conf, "-g", "daemon off;"], {}, nginxLog, "SIGQUIT");
  const lb = `http://127.0.0.1:${lbPort}/`;
  await waitFor(new URL("/_/health", lb).href, "nginx", balancer, nginxLog);
  say(`load balancer on ${lb}`);
  say(`admin token: ${token}`);
  say(
    `try: BUNTIME_URL=${lb} BUNTIME_KEY=${token} bun server/src/index.ts deploy fixtures/apps/hello/2.0.0 --app hello --version 2.0.0`,
  );
  say("Ctrl-C stops everything");
  // Stay up while everything runs; a child that dies on its own is said once (the rest goes on).
  for (const child of children) {
    void child.proc.exited.then((code) => {
      if (!stopping) say(`${child.name} exited (${code}); see ${dir}`);
    });
  }
}

await main();
