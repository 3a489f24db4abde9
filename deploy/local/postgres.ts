/**
 * A throwaway PostgreSQL (the cluster tests, `bun bench --only cluster`), from Debian's binaries
 * (`/usr/lib/postgresql/<n>/bin`): `initdb` into a temp folder owned by an unprivileged user
 * (initdb refuses root), then `pg_ctl` on a free port. Missing binaries throw one line naming
 * the package to install: the tests fail, they are not skipped.
 *
 * @example
 * const pg = await startPostgres();
 * // BUNTIME_STORE=pg.url
 * await pg.stop(); await pg.start(); await pg.destroy();
 */
import { chownSync, existsSync, mkdtempSync, readdirSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

export interface TestPostgres {
  /** `postgres://buntime@127.0.0.1:<port>/postgres` */
  readonly url: string;
  readonly port: number;
  /** Starts it again after `stop` (same data, same port). */
  start(): Promise<void>;
  /** Stops it (`pg_ctl stop -m immediate`: connections drop at once, as in a crash). */
  stop(): Promise<void>;
  /** Stops it and removes its folder. */
  destroy(): Promise<void>;
}

const HINT = "PostgreSQL's server binaries are missing: apt-get install postgresql (see .ci/setup-system.sh)";

/** A TCP port free on 127.0.0.1 right now (the OS picks it; a tiny race with other takers remains). */
export async function freePort(): Promise<number> {
  const server = Bun.listen({ hostname: "127.0.0.1", port: 0, socket: { data() {} } });
  const { port } = server;
  server.stop(true);
  return port;
}

/** The newest `/usr/lib/postgresql/<n>/bin` holding initdb and pg_ctl. */
export function postgresBinDir(): string {
  const root = "/usr/lib/postgresql";
  const versions = existsSync(root) ? readdirSync(root).filter((v) => /^\d+$/.test(v)) : [];
  versions.sort((a, b) => Number(b) - Number(a));
  for (const version of versions) {
    const bin = join(root, version, "bin");
    if (existsSync(join(bin, "initdb")) && existsSync(join(bin, "pg_ctl"))) return bin;
  }
  throw new Error(HINT);
}

/** The uid/gid to run PostgreSQL as: `nobody` when we are root, ourselves otherwise. */
function runAs(): { prefix: string[]; uid?: number; gid?: number } {
  if (process.getuid?.() !== 0) return { prefix: [] };
  return { prefix: ["setpriv", "--reuid=65534", "--regid=65534", "--clear-groups", "--"], uid: 65534, gid: 65534 };
}

async function run(command: string[], what: string): Promise<void> {
  const proc = Bun.spawn(command, { stdout: "pipe", stderr: "pipe", env: { PATH: process.env.PATH ?? "", LANG: "C" } });
  const [out, err, code] = await Promise.all([
    new Response(proc.stdout).text(),
    new Response(proc.stderr).text(),
    proc.exited,
  ]);
  if (code !== 0) throw new Error(`${what} failed (${code}): ${err || out}`);
}

/** Initialises and starts a PostgreSQL cluster on a free port; trust authentication on 127.0.0.1. */
export async function startPostgres(): Promise<TestPostgres> {
  const bin = postgresBinDir();
  const user = runAs();
  const dir = mkdtempSync(join(tmpdir(), "buntime-pg-"));
  if (user.uid !== undefined) chownSync(dir, user.uid, user.gid!);
  const data = join(dir, "data");
  await run(
    [...user.prefix, join(bin, "initdb"), "-D", data, "-U", "buntime", "--auth=trust", "-E", "UTF8", "--no-sync"],
    "initdb",
  );
  const port = await freePort();
  const options = `-p ${port} -k ${dir} -c listen_addresses=127.0.0.1 -c max_connections=300 -c fsync=off -c synchronous_commit=off -c full_page_writes=off`;
  const start = () =>
    run(
      [...user.prefix, join(bin, "pg_ctl"), "-D", data, "-l", join(dir, "log"), "-o", options, "-w", "start"],
      "pg_ctl start",
    );
  const stop = () =>
    run([...user.prefix, join(bin, "pg_ctl"), "-D", data, "-m", "immediate", "-w", "stop"], "pg_ctl stop");
  await start();
  let running = true;
  return {
    url: `postgres://buntime@127.0.0.1:${port}/postgres`,
    port,
    async start() {
      await start();
      running = true;
    },
    async stop() {
      await stop();
      running = false;
    },
    async destroy() {
      if (running) await stop().catch(() => {});
      running = false;
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
