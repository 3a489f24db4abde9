/**
 * The two builds of the server, started as their users start them:
 * - `npm run build:bin`: the single executable serves apps from real worker threads (the guest
 *   entrypoints are embedded and found inside the binary), and the dashboard with every asset
 *   it loads (built in: the binary has no node_modules and no client sources);
 * - `npm run build`: `dist/index.js` with the guest entrypoints beside it (`dist/guest/*.js`),
 *   run by `bun`: the same, plus an app configured by `worker.config.ts` (the config loader's
 *   thread) and, with `BUNTIME_ISOLATION=process`, an app in a process of its own.
 */
import { afterAll, expect, test } from "bun:test";
import { mkdirSync, rmSync } from "node:fs";
import { join } from "node:path";
import rootPackage from "../package.json";
import { killServerProcesses, startServerProcess } from "./_server-process.ts";
import { FIXTURE_APPS, ROOT } from "./_setup.ts";

/** The dashboard's public files, with the type each must have. */
const DASHBOARD = {
  "/_/dashboard/login": "text/html",
  "/_/dashboard/assets/client.js": "text/javascript",
  "/_/dashboard/assets/uplot.js": "text/javascript",
  "/_/dashboard/assets/uplot.css": "text/css",
  "/_/dashboard/assets/dashboard.css": "text/css",
};

const OUT = join(ROOT, ".tmp", `builds-${process.pid}`);
afterAll(() => {
  killServerProcesses();
  rmSync(OUT, { recursive: true, force: true });
});

/** Runs a `bun build` command line from the repository's root; fails the test with its output. */
function build(args: string[]): void {
  const result = Bun.spawnSync([process.execPath, ...args], { cwd: ROOT, stdout: "pipe", stderr: "pipe" });
  if (result.exitCode !== 0) throw new Error(`bun ${args.join(" ")}: ${result.stderr.toString()}`);
}

/** Starts `cmd` from `cwd` and checks an app through a worker and every dashboard asset. */
async function servesAppsAndDashboard(cmd: string[], cwd: string): Promise<void> {
  const { proc: server, url } = await startServerProcess({ APPS_DIR: FIXTURE_APPS, LOG_LEVEL: "warn" }, { cmd, cwd });
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
}

test("the compiled binary starts, serves an app through a worker and the dashboard, and exits 0 on SIGTERM", async () => {
  mkdirSync(OUT, { recursive: true });
  const binary = join(OUT, "buntime");
  build([
    "build",
    "--compile",
    "server/src/index.ts",
    "server/src/guest/entry.ts",
    "server/src/guest/config-loader.ts",
    "--outfile",
    binary,
  ]);
  await servesAppsAndDashboard([binary], OUT);
}, 60_000);

test("npm run build's dist/ serves apps from threads and processes, worker.config.ts included, and the dashboard", async () => {
  // The script's own command line, into a folder of this test's instead of dist/.
  const script = rootPackage.scripts.build.split(" ");
  expect(script.slice(0, 2)).toEqual(["bun", "build"]);
  const dist = join(OUT, "dist");
  build(script.slice(1).map((arg, i, args) => (args[i - 1] === "--outdir" ? dist : arg)));
  const entry = join(dist, "index.js");
  await servesAppsAndDashboard([process.execPath, entry], OUT);

  // Without the supervisor, so that the pid spawned is the server's own.
  const { proc: server, url } = await startServerProcess(
    { APPS_DIR: FIXTURE_APPS, LOG_LEVEL: "warn", BUNTIME_ISOLATION: "process", BUNTIME_SUPERVISOR: "0" },
    { cmd: [process.execPath, entry], cwd: OUT },
  );
  const configured = await fetch(new URL("/config-ts-env/", url));
  expect(await configured.json()).toEqual({ env: { FROM_CONFIG_TS: "yes" } });
  const inProcess = await fetch(new URL("/hello@1/y", url));
  expect(await inProcess.json()).toEqual({ app: "hello", version: "1.1.0", path: "/y" });
  const { pid } = (await (await fetch(new URL("/proc-environ/", url))).json()) as { pid: number };
  expect(pid).toBeGreaterThan(0);
  expect(pid).not.toBe(server.pid); // a process of its own, not a thread of the server
  server.kill("SIGTERM");
  expect(await server.exited).toBe(0);
}, 60_000);
