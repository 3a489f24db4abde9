/**
 * nginx from Debian as the cluster tests' load balancer: one upstream of the nodes, idempotent
 * requests retried on the next node on a connection error, a timeout, 502 or 503
 * (`proxy_next_upstream`; nginx never retries a POST unless told to). A missing binary throws
 * one line naming the package: the tests fail, they are not skipped.
 */
import { existsSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Subprocess } from "bun";
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
  const root = process.getuid?.() === 0;
  const conf = `
${root ? "user root;" : ""}
worker_processes 1;
daemon off;
pid ${dir}/nginx.pid;
error_log ${dir}/error.log warn;
events { worker_connections 1024; }
http {
  access_log off;
  client_body_temp_path ${dir}/body;
  proxy_temp_path ${dir}/proxy;
  fastcgi_temp_path ${dir}/fastcgi;
  uwsgi_temp_path ${dir}/uwsgi;
  scgi_temp_path ${dir}/scgi;
  client_max_body_size 50m;
  upstream buntime {
${upstreams.map((p) => `    server 127.0.0.1:${p} max_fails=1 fail_timeout=2s;`).join("\n")}
    keepalive 32;
  }
  server {
    listen 127.0.0.1:${port};
    location / {
      proxy_pass http://buntime;
      proxy_http_version 1.1;
      proxy_set_header Connection "";
      proxy_set_header Host $http_host;
      proxy_connect_timeout 1s;
      proxy_read_timeout 30s;
      proxy_next_upstream error timeout http_502 http_503;
      proxy_next_upstream_tries 3;
    }
  }
}
`;
  writeFileSync(join(dir, "nginx.conf"), conf);
  const proc: Subprocess = Bun.spawn([binary, "-c", join(dir, "nginx.conf"), "-p", dir], {
    stdout: "ignore",
    stderr: "pipe",
  });
  const url = `http://127.0.0.1:${port}/`;
  const deadline = Date.now() + 10_000;
  for (;;) {
    if (proc.exitCode !== null) {
      throw new Error(`nginx exited (${proc.exitCode}): ${await new Response(proc.stderr as ReadableStream).text()}`);
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
