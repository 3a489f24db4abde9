/**
 * `buntime-emulator` as a user runs it: a child process per test, exit codes and output checked.
 * 0 ok, 1 a check failed, 2 bad usage.
 */
import { beforeAll, describe, expect, test } from "bun:test";
import { resolve } from "node:path";
import { run } from "./_run.ts";
import { ROOT } from "./_setup.ts";

const CLI = resolve(ROOT, "emulator/src/cli.ts");
const GOOD_APPS = resolve(ROOT, "fixtures/app-repo/apps");
const ESCAPE = "\x1b";

interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

/** Runs the CLI with pipes (not a TTY) and waits for it to exit. */
async function cli(args: string[], env: Record<string, string | undefined> = {}): Promise<Run> {
  return run([process.execPath, CLI, ...args], { cwd: ROOT, env: { ...process.env, ...env } });
}

/** Runs the CLI in a pseudo-terminal (stdout and stderr are TTYs); resolves with all it wrote. */
async function cliInTerminal(args: string[], env: Record<string, string | undefined>): Promise<string> {
  const decoder = new TextDecoder();
  let output = "";
  const { promise: eof, resolve: onEof } = Promise.withResolvers<void>();
  const proc = Bun.spawn([process.execPath, CLI, ...args], {
    cwd: ROOT,
    env,
    terminal: {
      cols: 200,
      rows: 50,
      data: (_terminal, data) => {
        output += decoder.decode(data, { stream: true });
      },
      exit: () => onEof(),
    },
  });
  await proc.exited;
  await Promise.race([eof, Bun.sleep(1000)]); // the last bytes arrive after the exit
  proc.terminal?.close();
  return output;
}

/** The `check` table's rows as `{ app, version, result }`. */
function rows(table: string) {
  return table
    .split("\n")
    .map((line) => line.trim().split(/\s+/))
    .filter(([, version, result]) => /^\d+\.\d+\.\d+/.test(version ?? "") && /^(ok|FAIL)$/.test(result ?? ""))
    .map(([app, version, result]) => ({ app, version, result }));
}

describe("usage", () => {
  test("--help prints the usage and exits 0", async () => {
    const { code, stdout } = await cli(["--help"]);
    expect(code).toBe(0);
    expect(stdout).toContain("Usage:");
    expect(stdout).toContain("buntime-emulator serve --apps DIR");
    expect(stdout).toContain("buntime-emulator check --apps DIR");
  });

  test("--version prints the emulator package's version", async () => {
    const { version } = (await Bun.file(resolve(ROOT, "emulator/package.json")).json()) as { version: string };
    const { code, stdout } = await cli(["--version"]);
    expect(code).toBe(0);
    expect(stdout.trim()).toBe(version);
  });

  test.each<[string, string[], string]>([
    ["an unknown command", ["deploy", "--apps", "x"], 'unknown command "deploy"'],
    ["no command", [], "a command is needed"],
    ["an unknown option", ["check", "--colour"], "--colour"],
    ["a command without --apps", ["check"], "--apps DIR is required"],
    ["a port out of range", ["serve", "--apps", GOOD_APPS, "--port", "70000"], "--port must be 0-65535"],
    [
      "check of a folder that does not exist",
      ["check", "--apps", "no/such/folder"],
      "--apps no/such/folder is not a folder",
    ],
    ["serve of a file", ["serve", "--apps", "package.json"], "--apps package.json is not a folder"],
  ])("%s exits 2 and says why", async (_, args, message) => {
    const { code, stderr } = await cli(args);
    expect(code).toBe(2);
    expect(stderr).toContain(message);
  });
});

test("check of a folder with no app version in it fails, not passes having checked nothing", async () => {
  // One level too deep: the versions of one app, not apps.
  const { code, stderr } = await cli(["check", "--apps", "fixtures/apps/hello"]);
  expect(code).toBe(1);
  expect(stderr).toContain("no app version in fixtures/apps/hello");
});

describe("check", () => {
  let fixtures: Run;
  beforeAll(async () => {
    fixtures = await cli(["check", "--apps", "fixtures/apps"], { NO_COLOR: undefined });
  });

  test("the fixtures, broken apps included, exit 1 with a FAIL row for each broken one", () => {
    expect(fixtures.code).toBe(1);
    const table = rows(fixtures.stdout);
    const result = (app: string) => table.find((row) => row.app === app)?.result;
    expect(result("crash-on-import")).toBe("FAIL");
    expect(result("bad-config")).toBe("FAIL");
    expect(result("no-entrypoint")).toBe("FAIL");
    expect(table.filter((row) => row.app === "hello").map((row) => row.result)).toEqual(["ok", "ok", "ok", "ok"]);
    expect(fixtures.stdout).toMatch(/\d+ passed, [1-9]\d* failed/);
    expect(fixtures.stdout).toContain("WORKER_START_FAILED"); // the detail column says why
  });

  test("output to pipes (not a TTY) has no escape codes, even without NO_COLOR", () => {
    expect(fixtures.stdout).toContain("FAIL");
    expect(fixtures.stdout).not.toContain(ESCAPE);
    expect(fixtures.stderr).not.toContain(ESCAPE);
  });

  test("a folder of good apps exits 0", async () => {
    const { code, stdout } = await cli(["check", "--apps", GOOD_APPS]);
    expect(code).toBe(0);
    expect(rows(stdout)).toEqual([
      { app: "greeter", version: "1.0.0", result: "ok" },
      { app: "weather", version: "1.0.0", result: "ok" },
    ]);
    expect(stdout).toContain("2 passed, 0 failed");
  });

  test("in a terminal, NO_COLOR leaves out every escape code (colours and the progress line)", async () => {
    const coloured = await cliInTerminal(["check", "--apps", GOOD_APPS], { ...process.env, NO_COLOR: undefined });
    expect(coloured).toContain(`${ESCAPE}[32m`); // the terminal really is one: green "ok"
    const plain = await cliInTerminal(["check", "--apps", GOOD_APPS], { ...process.env, NO_COLOR: "1" });
    expect(plain).toContain("2 passed, 0 failed");
    expect(plain).not.toContain(ESCAPE);
  });
});

describe("serve", () => {
  /** Starts `serve`, waits for its URL, fetches /hello/, then SIGTERM: resolves with the URL. */
  async function serveThenStop(port: string): Promise<string> {
    const proc = Bun.spawn([process.execPath, CLI, "serve", "--apps", "fixtures/apps", "--port", port], {
      cwd: ROOT,
      stdout: "pipe",
      stderr: "pipe",
    });
    try {
      const reader = proc.stdout.getReader();
      const decoder = new TextDecoder();
      let output = "";
      let url: string | undefined;
      while (!url) {
        const { value, done } = await reader.read();
        if (done) throw new Error(`serve exited before printing its URL: ${output}`);
        output += decoder.decode(value, { stream: true });
        url = /serving \S+ on (http:\/\/127\.0\.0\.1:\d+\/)/.exec(output)?.[1];
      }
      const res = await fetch(new URL("/hello/", url));
      expect(res.status).toBe(200);
      expect(await res.json()).toMatchObject({ app: "hello" });
      // What an app prints shows in serve's output (captured as log lines, then printed).
      expect(await (await fetch(new URL("/logger/?say=served", url))).text()).toBe("ok");
      while (!output.includes("[logger@1.0.0] stdout served")) {
        const { value, done } = await reader.read();
        if (done) throw new Error(`serve's output ended without the app's line: ${output}`);
        output += decoder.decode(value, { stream: true });
      }
      reader.releaseLock();

      proc.kill("SIGTERM");
      expect(await proc.exited).toBe(0);
      return url;
    } finally {
      // On a failed assertion: still stop it gracefully, so its temp folder is removed.
      if (proc.exitCode === null) proc.kill("SIGTERM");
      await Promise.race([proc.exited, Bun.sleep(3000)]);
      if (proc.exitCode === null) proc.kill("SIGKILL");
    }
  }

  test("prints its URL, serves the apps, and exits 0 on SIGTERM", async () => {
    expect(await serveThenStop("0")).toStartWith("http://127.0.0.1:");
  });

  test("on a port in use it serves on a free one, and still exits on SIGTERM", async () => {
    const squatter = Bun.serve({ port: 0, hostname: "127.0.0.1", fetch: () => new Response("squatter") });
    try {
      const url = await serveThenStop(String(squatter.port));
      expect(new URL(url).port).not.toBe(String(squatter.port));
    } finally {
      squatter.stop(true);
    }
  });
});
