/**
 * The `buntime` CLI end to end (docs/admin.md, issue 14): `deploy` of a fixture folder into a
 * running server, then `apps`; `keys create` → use → `revoke` → 401; and one clear line (exit 1)
 * for a refused deployment, a missing folder, an unreachable server, a 401 and a 403.
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { join } from "node:path";
import { createKey } from "../server/src/admin/keys-routes.ts";
import { run } from "./_run.ts";
import { ROOT, startTestServer, stopThenRemove, TEST_ADMIN_TOKEN, type TestServer, tempAppsDir } from "./_setup.ts";

let server: TestServer;
let apps: ReturnType<typeof tempAppsDir>;
const dataDir = join(ROOT, ".tmp", `cli-data-${crypto.randomUUID()}`);

beforeAll(async () => {
  apps = tempAppsDir();
  server = await startTestServer({ APPS_DIR: apps.dir, BUNTIME_DATA_DIR: dataDir });
});
afterAll(async () => {
  await stopThenRemove(server, apps);
  Bun.spawnSync(["rm", "-rf", dataDir]);
});

/** Runs `buntime <args>` as a user would (`bun server/src/index.ts`), not on a TTY. */
async function buntime(args: string[], env: Record<string, string> = {}) {
  return run([process.execPath, "server/src/index.ts", ...args], {
    cwd: ROOT,
    env: { PATH: process.env.PATH ?? "", HOME: process.env.HOME ?? "/tmp", BUNTIME_DATA_DIR: dataDir, ...env },
  });
}

const remote = () => ({ BUNTIME_URL: server.url.href, BUNTIME_KEY: TEST_ADMIN_TOKEN });

describe("deploy and apps", () => {
  test("deploy a folder: exit 0, the URL printed serves it; apps lists it with its live workers", async () => {
    const out = await buntime(
      ["deploy", "fixtures/apps/hello/2.0.0", "--app", "hello-cli", "--version", "2.0.0"],
      remote(),
    );
    expect(out.stderr).toBe("");
    expect(out.code).toBe(0);
    const url = /(http:\/\/\S+)/.exec(out.stdout)?.[1] as string;
    expect(url).toBe(new URL("hello-cli@2.0.0/", server.url).href);
    const res = await fetch(url);
    expect(await res.json()).toMatchObject({ app: "hello", version: "2.0.0" });
    expect(out.stdout).not.toContain("\x1b"); // no colours off a TTY

    const json = await buntime(["apps", "--json"], remote());
    expect(json.code).toBe(0);
    const rows = JSON.parse(json.stdout) as { app: string; version: string; workers: number }[];
    // Live workers: a number (the catalogue may have recycled the first one on noticing the new folder).
    expect(rows).toContainEqual({ app: "hello-cli", version: "2.0.0", workers: expect.any(Number) });
    const text = await buntime(["apps"], remote());
    expect(text.stdout).toMatch(/^APP\s+VERSION\s+WORKERS$/m);
    expect(text.stdout).toMatch(/^hello-cli\s+2\.0\.0\s+\d+$/m);
  });

  test("a refused deployment prints the server's message and exits 1; --replace replaces", async () => {
    const args = ["deploy", "fixtures/apps/hello/2.0.0", "--app", "hello-cli", "--version", "2.0.0"];
    const again = await buntime(args, remote());
    expect(again.code).toBe(1);
    expect(again.stderr).toContain("DEPLOYMENT_EXISTS");
    expect(again.stderr.trim().split("\n")).toHaveLength(1);
    expect((await buntime([...args, "--replace"], remote())).code).toBe(0);
  });

  test("an archive deploys as it is", async () => {
    const { packFolder } = await import("../server/src/cli/pack.ts");
    const archive = join(apps.dir, "..", `hello-${crypto.randomUUID()}.tar.gz`);
    await Bun.write(archive, await packFolder(join(ROOT, "fixtures/apps/hello/2.0.0")));
    const out = await buntime(["deploy", archive, "--app", "from-archive", "--version", "1.0.0"], remote());
    Bun.spawnSync(["rm", "-f", archive]);
    expect(out.code).toBe(0);
    expect((await fetch(server.at("/from-archive@1.0.0/"))).status).toBe(200);
  });

  test("one clear line, exit 1: a missing folder, an unreachable server, a 401, a 403", async () => {
    const deploy = ["deploy", "fixtures/apps/hello/2.0.0", "--app", "x", "--version", "1.0.0"];
    const cases: [string[], Record<string, string>, string][] = [
      [["deploy", "no/such/folder", "--app", "x", "--version", "1.0.0"], remote(), "no such folder or archive"],
      [deploy, { BUNTIME_URL: "http://127.0.0.1:9/", BUNTIME_KEY: "k" }, "cannot reach the server"],
      [deploy, { BUNTIME_URL: server.url.href, BUNTIME_KEY: "btk_wrong" }, "pass --key or set BUNTIME_KEY"],
      [deploy, { BUNTIME_URL: server.url.href }, "pass --key or set BUNTIME_KEY"],
    ];
    const viewer = await createKey(server.keys, { name: "cli-viewer", role: "viewer" });
    cases.push([deploy, { BUNTIME_URL: server.url.href, BUNTIME_KEY: viewer.key }, "needs role deployer"]);
    for (const [args, env, message] of cases) {
      const out = await buntime(args, env);
      expect({ args, code: out.code }).toEqual({ args, code: 1 });
      expect(out.stderr).toStartWith("buntime: ");
      expect(out.stderr).toContain(message);
      expect(out.stderr.trim().split("\n")).toHaveLength(1);
    }
  });

  test("bad usage exits 2 with the help", async () => {
    for (const args of [
      ["deploy", "fixtures/apps/hello/2.0.0"],
      ["keys", "create", "--name", "x"],
      ["nope"],
      ["apps", "--bogus"],
    ]) {
      const out = await buntime(args, remote());
      expect({ args, code: out.code }).toEqual({ args, code: 2 });
      expect(out.stderr).toContain("Usage:");
    }
    const help = await buntime(["--help"]);
    expect(help.code).toBe(0);
    expect(help.stdout).toContain("buntime deploy <folder|archive>");
  });

  test("--version alone prints the server package's version", async () => {
    const { version } = (await Bun.file(join(ROOT, "server/package.json")).json()) as { version: string };
    for (const flag of ["--version", "-v"]) {
      const out = await buntime([flag]);
      expect({ flag, code: out.code, stdout: out.stdout.trim() }).toEqual({ flag, code: 0, stdout: version });
    }
  });
});

describe("keys", () => {
  test("keys create (local store) → use → keys list → keys revoke → 401 on the next request", async () => {
    const created = await buntime([
      "keys",
      "create",
      "--name",
      "ci",
      "--role",
      "deployer",
      "--expires",
      "30d",
      "--json",
    ]);
    expect(created.code).toBe(0);
    const { key, expires } = JSON.parse(created.stdout) as { key: string; expires: string };
    expect(key).toMatch(/^btk_/);
    expect(Date.parse(expires)).toBeGreaterThan(Date.now() + 29 * 86_400_000);
    const use = () =>
      fetch(server.at("/_/deployments/nothing/1.0.0"), { method: "DELETE", headers: { "x-api-key": key } });
    expect((await use()).status).toBe(404); // through the guard

    const list = await buntime(["keys", "list"]);
    expect(list.code).toBe(0);
    expect(list.stdout).toMatch(/^ci\s+deployer\s/m);
    expect(list.stdout).not.toContain(key);

    const revoked = await buntime(["keys", "revoke", "ci"]);
    expect(revoked).toMatchObject({ code: 0, stdout: "Revoked key ci.\n" });
    expect((await use()).status).toBe(401);
    const again = await buntime(["keys", "revoke", "ci"]);
    expect(again.code).toBe(1);
    expect(again.stderr).toBe('buntime: no key named "ci"\n');
  });

  test("on a remote server with --url and --key", async () => {
    const url = server.url.href;
    const created = await buntime([
      "keys",
      "create",
      "--name",
      "remote-ci",
      "--role",
      "viewer",
      "--url",
      url,
      "--key",
      TEST_ADMIN_TOKEN,
    ]);
    expect(created.code).toBe(0);
    const key = /^\s+(btk_\S+)$/m.exec(created.stdout)?.[1] as string;
    expect((await fetch(server.at("/_/stats"), { headers: { authorization: `Bearer ${key}` } })).status).toBe(200);
    const listed = await buntime(["keys", "list", "--json", "--url", url, "--key", TEST_ADMIN_TOKEN]);
    expect((JSON.parse(listed.stdout) as { name: string }[]).map((k) => k.name)).toContain("remote-ci");
    expect((await buntime(["keys", "revoke", "remote-ci", "--url", url, "--key", TEST_ADMIN_TOKEN])).code).toBe(0);
    expect((await fetch(server.at("/_/stats"), { headers: { authorization: `Bearer ${key}` } })).status).toBe(401);
  });
});
