import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { lstatSync, readdirSync, readFileSync, readlinkSync } from "node:fs";
import { join } from "node:path";
import { startTestServer, type TestServer, tempAppsDir } from "./_setup.ts";
import { tarGz, zip } from "./support/archives.ts";

const APP = `export default { fetch: (r) => new Response("deployed " + new URL(r.url).pathname) };\n`;
const APP_V2 = `export default { fetch: () => new Response("replaced") };\n`;

let apps: ReturnType<typeof tempAppsDir>;
let server: TestServer;

beforeAll(async () => {
  apps = tempAppsDir("hello");
  server = await startTestServer({ APPS_DIR: apps.dir });
});
afterAll(async () => {
  await server.stop();
  apps.remove();
});

/** Every path under APPS_DIR with its bytes (or link target): "byte-for-byte unchanged" is equality. */
function snapshot(dir = apps.dir, prefix = ""): Record<string, string> {
  const out: Record<string, string> = {};
  for (const name of readdirSync(dir).sort()) {
    const path = join(dir, name);
    const rel = `${prefix}${name}`;
    const stat = lstatSync(path);
    if (stat.isSymbolicLink()) out[rel] = `link:${readlinkSync(path)}`;
    else if (stat.isDirectory()) Object.assign(out, { [`${rel}/`]: "dir" }, snapshot(path, `${rel}/`));
    else out[rel] = Bun.hash(readFileSync(path)).toString();
  }
  return out;
}

const deploy = (method: string, path: string, body: Uint8Array, type = "application/gzip") =>
  server.admin(`/_/deployments/${path}`, {
    method,
    body: new Blob([body as Uint8Array<ArrayBuffer>]),
    headers: { "content-type": type },
  });

describe("a good archive", () => {
  test("POST makes it live at once: 201, then served", async () => {
    const archive = await tarGz([
      { name: "index.ts", content: APP },
      { name: "worker.jsonc", content: '{ "timeout": 5 }' },
    ]);
    const res = await deploy("POST", "fresh/1.0.0", archive);
    expect(res.status).toBe(201);
    expect(await res.json()).toMatchObject({
      name: "fresh",
      version: "1.0.0",
      entrypoint: "index.ts",
      config: { timeout: 5 },
    });
    const served = await fetch(server.at("/fresh/x"));
    expect(await served.text()).toBe("deployed /x");
  });

  test("a zip under one top-level folder works too", async () => {
    const archive = zip([{ name: "my-app/index.ts", content: APP }]);
    const res = await deploy("POST", "zipped/2.0.0", archive, "application/zip");
    expect(res.status).toBe(201);
    expect(await (await fetch(server.at("/zipped@2/y"))).text()).toBe("deployed /y");
  });

  test("POST on an existing version is 409 and changes nothing", async () => {
    const before = snapshot();
    const res = await deploy("POST", "fresh/1.0.0", await tarGz([{ name: "index.ts", content: APP_V2 }]));
    expect(res.status).toBe(409);
    expect(((await res.json()) as { error: { code: string } }).error.code).toBe("DEPLOYMENT_EXISTS");
    expect(snapshot()).toEqual(before);
  });

  test("PUT replaces: 200, and the new code serves the next request", async () => {
    expect(await (await fetch(server.at("/fresh/"))).text()).toBe("deployed /");
    const res = await deploy("PUT", "fresh/1.0.0", await tarGz([{ name: "index.ts", content: APP_V2 }]));
    expect(res.status).toBe(200);
    expect(await (await fetch(server.at("/fresh/"))).text()).toBe("replaced");
  });

  test("GET lists versions with configs and entrypoints", async () => {
    const list = (await (await server.admin("/_/deployments")).json()) as {
      apps: { name: string; versions: { version: string }[] }[];
    };
    expect(list.apps.find((a) => a.name === "fresh")?.versions.map((v) => v.version)).toEqual(["1.0.0"]);
    const one = await server.admin("/_/deployments/hello/2.0.0");
    expect(await one.json()).toMatchObject({ name: "hello", version: "2.0.0", kind: "module", entrypoint: "index.ts" });
    expect((await server.admin("/_/deployments/hello/9.9.9")).status).toBe(404);
  });

  test("DELETE: 204, its workers drain, and the version is gone", async () => {
    const terminated = new Promise((resolve) =>
      server.pool.events.on("recycle", (e) => e.key === "fresh@1.0.0" && resolve(e.reason)),
    );
    const res = await server.admin("/_/deployments/fresh/1.0.0", { method: "DELETE" });
    expect(res.status).toBe(204);
    expect(await terminated).toBe("removed");
    expect((await fetch(server.at("/fresh/"))).status).toBe(404);
    expect((await server.admin("/_/deployments/fresh/1.0.0", { method: "DELETE" })).status).toBe(404);
  });
});

describe("hostile or invalid archives are refused with 400 and nothing on disk changes", () => {
  const cases: [string, () => Promise<Uint8Array> | Uint8Array, string?][] = [
    [
      "path traversal",
      () =>
        tarGz([
          { name: "index.ts", content: APP },
          { name: "../evil.ts", content: "x" },
        ]),
    ],
    [
      "traversal inside a path",
      () =>
        tarGz([
          { name: "index.ts", content: APP },
          { name: "a/../../../evil", content: "x" },
        ]),
    ],
    [
      "an absolute path",
      () =>
        tarGz([
          { name: "/tmp/evil", content: "x" },
          { name: "index.ts", content: APP },
        ]),
    ],
    [
      "a symlink",
      () =>
        tarGz([
          { name: "index.ts", content: APP },
          { name: "link", type: "symlink", linkname: "/etc/passwd" },
        ]),
    ],
    [
      "a hard link",
      () =>
        tarGz([
          { name: "index.ts", content: APP },
          { name: "hard", type: "link", linkname: "index.ts" },
        ]),
    ],
    [
      "a device",
      () =>
        tarGz([
          { name: "index.ts", content: APP },
          { name: "dev", type: "character-device", devmajor: 1, devminor: 3 },
        ]),
    ],
    [
      "a zip symlink",
      () =>
        zip([
          { name: "index.ts", content: APP },
          { name: "link", content: "/etc/passwd", mode: 0o120777 },
        ]),
      "application/zip",
    ],
    ["a zip traversal", () => zip([{ name: "../../evil", content: "x" }]), "application/zip"],
    [
      "a zip bomb",
      () =>
        zip([
          { name: "index.ts", content: APP },
          { name: "zeros", content: new Uint8Array(300 * 1024 * 1024) },
        ]),
      "application/zip",
    ],
    [
      "an invalid config",
      () =>
        tarGz([
          { name: "index.ts", content: APP },
          { name: "worker.jsonc", content: '{ "timeout": "soon" }' },
        ]),
    ],
    ["no entrypoint", () => tarGz([{ name: "README.md", content: "nothing to run" }])],
    ["garbage bytes", () => new TextEncoder().encode("this is not a gzip file")],
  ];
  for (const [name, make, type] of cases) {
    test(name, async () => {
      const before = snapshot();
      const res = await deploy("POST", "hostile/1.0.0", await make(), type);
      expect(res.status).toBe(400);
      const body = (await res.json()) as { error: { code: string; message: string } };
      expect(body.error.code).toBe("DEPLOYMENT_INVALID");
      expect(body.error.message.length).toBeGreaterThan(0);
      expect(snapshot()).toEqual(before);
      expect((await fetch(server.at("/hostile/"))).status).toBe(404);
    });
  }

  test("an unsupported content type is 415; a bad name or version is 400", async () => {
    const archive = await tarGz([{ name: "index.ts", content: APP }]);
    expect((await deploy("POST", "ok/1.0.0", archive, "text/plain")).status).toBe(415);
    expect((await deploy("POST", "Bad_Name/1.0.0", archive)).status).toBe(400);
    expect((await deploy("POST", "ok/latest", archive)).status).toBe(400);
  });
});
