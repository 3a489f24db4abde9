/**
 * docs/configuration.md#environment: the real entry, `bun server/src/index.ts`, as a child process:
 * it prints its URL, serves, drains and exits 0 on SIGTERM/SIGINT, and exits 2 naming the variable
 * on a bad env.
 */
import { afterEach, describe, expect, test } from "bun:test";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Subprocess } from "bun";
import { FIXTURE_APPS, ROOT } from "./_setup.ts";

const ENTRY = "server/src/index.ts";
const SECRET = `process-secret-${crypto.randomUUID()}`;

interface Started {
  proc: Subprocess<"ignore", "pipe", "pipe">;
  url: string;
  /** Every stdout line read so far, the URL line included. */
  lines: string[];
}

const running: Subprocess[] = [];
afterEach(() => {
  // A test that failed half-way must not leave its server behind.
  for (const proc of running.splice(0)) proc.kill("SIGKILL");
});

/** Runs the entry from this checkout; `cwd` is the server's working folder (default the checkout). */
function spawnServer(env: Record<string, string>, cwd = ROOT) {
  const proc = Bun.spawn([process.execPath, join(ROOT, ENTRY)], {
    cwd,
    env: { PATH: process.env.PATH ?? "", APPS_DIR: FIXTURE_APPS, ...env },
    stdin: "ignore",
    stdout: "pipe",
    stderr: "pipe",
  });
  running.push(proc);
  return proc;
}

/** Starts the server and reads stdout until the line with its URL. */
async function startServer(env: Record<string, string> = {}, cwd = ROOT): Promise<Started> {
  const proc = spawnServer({ PORT: "0", HOST: "127.0.0.1", ...env }, cwd);
  const reader = proc.stdout.getReader();
  const decoder = new TextDecoder();
  const lines: string[] = [];
  let pending = "";
  for (;;) {
    const { value, done } = await reader.read();
    if (done) throw new Error(`the server exited before printing its URL: ${await new Response(proc.stderr).text()}`);
    pending += decoder.decode(value, { stream: true });
    const complete = pending.split("\n");
    pending = complete.pop() ?? "";
    lines.push(...complete);
    const url = lines.map((line) => /https?:\/\/127\.0\.0\.1:\d+\/?/.exec(line)?.[0]).find(Boolean);
    if (url) {
      reader.releaseLock();
      return { proc, url, lines };
    }
  }
}

describe("a running server", () => {
  test("prints one line with its URL, on the port it picked for PORT=0", async () => {
    const { url, lines } = await startServer();
    const port = Number(new URL(url).port);
    expect(port).toBeGreaterThan(0);
    expect(lines.filter((line) => line.includes(url))).toHaveLength(1);
    const res = await fetch(new URL("/_/health", url));
    expect(await res.json()).toEqual({ status: "ok" });
  });

  test("serves /hello/", async () => {
    const { url } = await startServer();
    const res = await fetch(new URL("/hello/", url));
    expect(res.status).toBe(200);
    expect(res.headers.get("x-buntime-app")).toBe("hello@2.0.0");
    expect(await res.json()).toEqual({ app: "hello", version: "2.0.0", path: "/" });
  });

  test.each(["SIGTERM", "SIGINT"] as const)("exits 0 on %s", async (signal) => {
    const { proc, url } = await startServer();
    expect((await fetch(new URL("/hello/", url))).status).toBe(200);
    proc.kill(signal);
    expect(await proc.exited).toBe(0);
  });

  test("on SIGTERM, a request in flight finishes before the exit", async () => {
    const { proc, url } = await startServer();
    const res = await fetch(new URL("/sse/?count=3&interval=300", url));
    const reader = res.body!.getReader();
    const decoder = new TextDecoder();
    let text = decoder.decode((await reader.read()).value, { stream: true });
    proc.kill("SIGTERM");
    for (let next = await reader.read(); !next.done; next = await reader.read()) {
      text += decoder.decode(next.value, { stream: true });
    }
    expect(text.match(/^event: tick$/gm)).toHaveLength(3);
    expect(await proc.exited).toBe(0);
  });

  test("the process environment does not reach apps or their child processes", async () => {
    const { url } = await startServer({ BUNTIME_TEST_SECRET: SECRET });
    const echo = await fetch(new URL("/echo/", url));
    const echoed = await echo.text();
    expect(echoed).not.toContain(SECRET);
    expect((JSON.parse(echoed) as { env: Record<string, string> }).env).toEqual({ GREETING: "hello from echo" });
    const spawned = await fetch(new URL("/spawn-env/", url));
    expect(spawned.status).toBe(200);
    expect(await spawned.text()).not.toContain(SECRET);
  });
});

describe("the start-up environment", () => {
  test("an app reading /proc/self/environ finds none of the server's variables", async () => {
    const { url } = await startServer({ BUNTIME_TEST_SECRET: SECRET });
    const res = await fetch(new URL("/proc-environ/", url));
    const { environ } = (await res.json()) as { environ: string[] };
    expect(environ.join("\n")).not.toContain(SECRET);
    // Only the supervisor's minimal set (its pid among it, and Bun's IPC channel variables) is there.
    const harmless =
      /^(PATH|HOME|TMPDIR|LANG|TZ|BUNTIME_SUPERVISED|BUNTIME_SUPERVISOR_PID|NODE_CHANNEL_FD|NODE_CHANNEL_SERIALIZATION_MODE)$/;
    const names = environ.map((entry) => entry.split("=")[0] ?? "");
    expect(names.filter((name) => !harmless.test(name))).toEqual([]);
    expect(names).toContain("PATH");
  });

  test("killing the supervisor with SIGKILL does not leave the server running", async () => {
    const { proc, url } = await startServer();
    proc.kill("SIGKILL");
    await proc.exited;
    const deadline = Date.now() + 5000;
    let up = true;
    while (up && Date.now() < deadline) {
      up = await fetch(new URL("/_/health", url)).then(
        () => true,
        () => false,
      );
      if (up) await Bun.sleep(100);
    }
    expect(up).toBe(false);
  });
});

describe("BUNTIME_CONFIG unset", () => {
  const folders: string[] = [];
  afterEach(async () => {
    // The server ends first (SIGTERM: the supervisor and its server exit together): it keeps
    // its data folder, ./.buntime, in the working folder.
    const procs = running.splice(0);
    for (const proc of procs) proc.kill("SIGTERM");
    await Promise.all(procs.map((proc) => proc.exited));
    for (const dir of folders.splice(0)) rmSync(dir, { recursive: true, force: true });
  });

  /** A fresh working folder outside the checkout, holding `buntime.jsonc` when `config` is given. */
  function workingFolder(config?: object): string {
    const dir = mkdtempSync(join(tmpdir(), "buntime-cwd-"));
    folders.push(dir);
    if (config)
      writeFileSync(join(dir, "buntime.jsonc"), `// read because BUNTIME_CONFIG is unset\n${JSON.stringify(config)}\n`);
    return dir;
  }

  // authz with no policy denies every app route: a 403 shows the file was read, a 200 that it was not.
  const DENY_ALL = { plugins: [["@buntime/authz", { store: "memory" }]] };

  test("./buntime.jsonc in the working folder is the config", async () => {
    const { url } = await startServer({ APPS_DIR: FIXTURE_APPS }, workingFolder(DENY_ALL));
    const res = await fetch(new URL("/echo/", url));
    expect(res.status).toBe(403);
    expect(((await res.json()) as { error: { code: string } }).error.code).toBe("FORBIDDEN");
  }, 30_000);

  test("without ./buntime.jsonc no plugin is loaded", async () => {
    const { url } = await startServer({ APPS_DIR: FIXTURE_APPS }, workingFolder());
    const res = await fetch(new URL("/echo/", url));
    expect(res.status).toBe(200);
    expect(res.headers.get("x-buntime-app")).toBe("echo@1.0.0");
  }, 30_000);
});

describe("an invalid environment", () => {
  test.each([
    ["PORT", "abc"],
    ["PORT", "70000"],
    ["MAX_BODY_SIZE", "lots"],
    ["POOL_SIZE", "0"],
    ["SHUTDOWN_TIMEOUT", "-1"],
    ["LOG_LEVEL", "loud"],
  ])(
    "%s=%s exits with status 2 and names the variable",
    async (name, value) => {
      const proc = spawnServer({ PORT: "0", HOST: "127.0.0.1", [name]: value });
      const [status, stdout, stderr] = await Promise.all([
        proc.exited,
        new Response(proc.stdout).text(),
        new Response(proc.stderr).text(),
      ]);
      expect(status).toBe(2);
      expect(stderr).toContain(name);
      expect(stdout).not.toContain("http://");
      // A process start (supervisor, then server) takes 0.5 s idle and several seconds on a loaded
      // machine: bun test's 5 s default is not a bound on this rule.
    },
    30_000,
  );
});
