/**
 * nginx from Debian as the cluster tests' load balancer, with the configuration of `npm run
 * cluster` (deploy/local/nginx-config.ts: idempotent requests retried on the next node on a
 * connection error, a timeout, 502 or 504; nginx never retries a POST). A missing binary throws
 * one line naming the package: the tests fail, they are not skipped.
 */
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Subprocess } from "bun";
import { nginxConfig } from "../../deploy/local/nginx-config.ts";
import { freePort } from "./_ports.ts";

const HINT = "nginx is missing: apt-get install nginx-light (or nginx; see .ci/setup-system.sh)";

export function nginxBinary(): string {
  for (const path of [Bun.which("nginx"), "/usr/sbin/nginx"]) if (path && existsSync(path)) return path;
  throw new Error(HINT);
}

export interface TestNginx {
  readonly url: string;
  stop(): Promise<void>;
}

/** Starts nginx on a free port in front of `upstreams` (`127.0.0.1:<port>` each). */
export async function startNginx(upstreams: readonly number[]): Promise<TestNginx> {
  const binary = nginxBinary();
  const dir = mkdtempSync(join(tmpdir(), "buntime-nginx-"));
  const port = await freePort();
  mkdirSync(join(dir, "temp"));
  // The configuration `npm run cluster` runs (deploy/local/nginx-config.ts): the tests judge it.
  const conf = nginxConfig({
    dir,
    port,
    upstreams: upstreams.map((p) => `127.0.0.1:${p}`),
    user: process.getuid?.() === 0 ? "root" : undefined,
  });
  writeFileSync(join(dir, "nginx.conf"), conf);
  const log = join(dir, "error.log");
  const proc: Subprocess = Bun.spawn([binary, "-c", join(dir, "nginx.conf"), "-p", dir, "-g", "daemon off;"], {
    stdout: "ignore",
    stderr: Bun.file(log), // a file, not a pipe nobody drains: nginx warns on every failed upstream
  });
  const url = `http://127.0.0.1:${port}/`;
  const deadline = Date.now() + 10_000;
  for (;;) {
    if (proc.exitCode !== null) {
      throw new Error(`nginx exited (${proc.exitCode}): ${await Bun.file(log).text()}`);
    }
    const up = await fetch(new URL("/_/health", url)).then(
      () => true,
      () => false,
    );
    if (up) break;
    if (Date.now() > deadline) throw new Error("nginx did not start within 10 s");
    await Bun.sleep(50);
  }
  return {
    url,
    async stop() {
      proc.kill("SIGQUIT");
      await Promise.race([proc.exited, Bun.sleep(3000)]);
      proc.kill("SIGKILL");
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
