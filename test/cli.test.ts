/**
 * `buntime-emulator` as a user runs it: a child process per test, exit codes and output checked.
 * 0 ok, 1 a check failed, 2 bad usage.
 */
import { beforeAll, describe, expect, test } from "bun:test";
import { mkdirSync, rmSync, writeFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { writeAppCode } from "./_pool-helpers.ts";
import { run } from "./_run.ts";
import { eventually, ROOT, tempAppsDir } from "./_setup.ts";

const CLI = resolve(ROOT, "emulator/src/cli.ts");
const GOOD_APPS = resolve(ROOT, "fixtures/app-repo/apps");
const ESCAPE = "\x1b";
/** Contract §3: apps changed on disk are seen within two seconds. */
const SEEN_WITHIN_MS = 2000;

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

  test("it judges the runtime's answer to one GET /: an app that throws fails (APP_ERROR), an app's own 503 passes", async () => {
    const apps = tempAppsDir();
    writeAppCode(apps.dir, "throws", `export default { fetch() { throw new Error("broken on purpose"); } };`);
    writeAppCode(apps.dir, "own-503", `export default { fetch: () => new Response("down", { status: 503 }) };`);
    try {
      const { code, stdout } = await cli(["check", "--apps", apps.dir]);
      expect(code).toBe(1);
      expect(rows(stdout)).toEqual([
        { app: "own-503", version: "1.0.0", result: "ok" },
        { app: "throws", version: "1.0.0", result: "FAIL" },
      ]);
      const line = (app: string) => stdout.split("\n").find((l) => l.trim().startsWith(`${app} `)) ?? "";
      expect(line("throws")).toContain("APP_ERROR"); // the detail column says why
      expect(line("own-503")).toContain("503"); // its status column: the app's own, passed as it is
      expect(line("own-503")).not.toContain("FAIL");
      expect(stdout).toContain("1 passed, 1 failed");
    } finally {
      apps.remove();
    }
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
  const SERVING = /serving \S+ on (http:\/\/127\.0\.0\.1:\d+\/)/;

  /**
   * Starts `serve --apps <apps> --port <port>` and resolves once it prints its URL. `readUntil`
   * reads its output on until `text` shows; `stop` sends SIGTERM (SIGKILL after 3 s, so a hung
   * child never outlives its test) and resolves with the exit code.
   */
  async function startServe(apps: string, port = "0") {
    const proc = Bun.spawn([process.execPath, CLI, "serve", "--apps", apps, "--port", port], {
      cwd: ROOT,
      stdout: "pipe",
      stderr: "pipe",
    });
    const reader = proc.stdout.getReader();
    const decoder = new TextDecoder();
    let output = "";
    const readUntil = async (text: string | RegExp): Promise<string> => {
      while (typeof text === "string" ? !output.includes(text) : !text.test(output)) {
        const { value, done } = await reader.read();
        if (done) throw new Error(`serve's output ended before ${text}: ${output}`);
        output += decoder.decode(value, { stream: true });
      }
      return output;
    };
    const stop = async (): Promise<number> => {
      if (proc.exitCode === null) proc.kill("SIGTERM");
      await Promise.race([proc.exited, Bun.sleep(3000)]);
      if (proc.exitCode === null) proc.kill("SIGKILL");
      return proc.exited;
    };
    try {
      const url = SERVING.exec(await readUntil(SERVING))?.[1] as string;
      return { url, readUntil, stop };
    } catch (error) {
      await stop();
      throw error;
    }
  }

  /** Starts `serve`, waits for its URL, fetches /hello/, then SIGTERM: resolves with the URL. */
  async function serveThenStop(port: string): Promise<string> {
    const serve = await startServe("fixtures/apps", port);
    try {
      const res = await fetch(new URL("/hello/", serve.url));
      expect(res.status).toBe(200);
      expect(await res.json()).toMatchObject({ app: "hello" });
      // What an app prints shows in serve's output (captured as log lines, then printed).
      expect(await (await fetch(new URL("/logger/?say=served", serve.url))).text()).toBe("ok");
      await serve.readUntil("[logger@1.0.0] stdout served");
      expect(await serve.stop()).toBe(0);
      return serve.url;
    } finally {
      // On a failed assertion: still stop it gracefully, so its temp folder is removed.
      await serve.stop();
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

  // Contract §3 holds for serve as for the server: versions added, edited or removed in the
  // user's folder are served within two seconds, without a restart.
  test("sees versions added to --apps, code edited in it and versions removed from it, within two seconds", async () => {
    const apps = tempAppsDir();
    const answering = (name: string, version: string, text: string) => {
      mkdirSync(join(apps.dir, name, version), { recursive: true });
      const source = `export default { fetch: () => new Response(${JSON.stringify(text)}) };\n`;
      writeFileSync(join(apps.dir, name, version, "index.ts"), source);
    };
    answering("a", "1.0.0", "v1");
    const serve = await startServe(apps.dir);
    try {
      const get = async (path: string) => {
        const res = await fetch(new URL(path, serve.url));
        return `${res.status} ${res.headers.get("x-buntime-app")} ${await res.text()}`;
      };
      expect(await get("/a/")).toBe("200 a@1.0.0 v1");

      answering("a", "1.0.0", "v1 edited");
      answering("a", "1.1.0", "v1.1");
      answering("b", "1.0.0", "b");
      await Promise.all([
        eventually(async () => (await get("/a@1.0.0/")) === "200 a@1.0.0 v1 edited", SEEN_WITHIN_MS),
        eventually(async () => (await get("/a/")) === "200 a@1.1.0 v1.1", SEEN_WITHIN_MS),
        eventually(async () => (await get("/b/")) === "200 b@1.0.0 b", SEEN_WITHIN_MS),
      ]);

      rmSync(join(apps.dir, "a", "1.1.0"), { recursive: true });
      await eventually(async () => (await get("/a/")) === "200 a@1.0.0 v1 edited", SEEN_WITHIN_MS);
    } finally {
      await serve.stop();
      apps.remove();
    }
  });
});
