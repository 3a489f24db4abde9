/**
 * `npm run build:bin`: the single executable serves apps from real worker threads (the guest
 * entrypoints are embedded and found inside the binary), and the dashboard with every asset it
 * loads (built in: the binary has no node_modules and no client sources).
 */
import { afterAll, expect, test } from "bun:test";
import { mkdirSync, rmSync } from "node:fs";
import { join } from "node:path";
import { startServerProcess } from "./_server-process.ts";
import { FIXTURE_APPS, ROOT } from "./_setup.ts";

/** The dashboard's public files, with the type each must have. */
const DASHBOARD = {
  "/_/dashboard/login": "text/html",
  "/_/dashboard/assets/client.js": "text/javascript",
  "/_/dashboard/assets/uplot.js": "text/javascript",
  "/_/dashboard/assets/uplot.css": "text/css",
  "/_/dashboard/assets/dashboard.css": "text/css",
};

const OUT = join(ROOT, ".tmp", `bin-${process.pid}`);
afterAll(() => rmSync(OUT, { recursive: true, force: true }));

test("the compiled binary starts, serves an app through a worker and the dashboard, and exits 0 on SIGTERM", async () => {
  mkdirSync(OUT, { recursive: true });
  const binary = join(OUT, "buntime");
  const build = Bun.spawnSync(
    [
      process.execPath,
      "build",
      "--compile",
      "server/src/index.ts",
      "server/src/guest/entry.ts",
      "server/src/guest/config-loader.ts",
      "--outfile",
      binary,
    ],
    { cwd: ROOT, stdout: "pipe", stderr: "pipe" },
  );
  expect(build.exitCode).toBe(0);
  const { proc: server, url } = await startServerProcess(
    { APPS_DIR: FIXTURE_APPS, LOG_LEVEL: "warn" },
    { cmd: [binary], cwd: OUT },
  );
  try {
    const res = await fetch(new URL("/hello@1/x", url));
    expect(await res.json()).toEqual({ app: "hello", version: "1.1.0", path: "/x" });
    for (const [path, type] of Object.entries(DASHBOARD)) {
      const answer = await fetch(new URL(path, url));
      const body = await answer.text();
      expect({ path, status: answer.status, type: answer.headers.get("content-type")?.split(";")[0] }).toEqual({
        path,
        status: 200,
        type,
      });
      expect(body.length).toBeGreaterThan(500);
    }
    server.kill("SIGTERM");
    expect(await server.exited).toBe(0);
  } finally {
    server.kill("SIGKILL");
  }
}, 60_000);
