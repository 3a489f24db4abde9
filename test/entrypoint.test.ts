/**
 * docs/configuration.md#the-entrypoint-module (CONTRACT §3): the `entrypoint` option, and without
 * it the first of `index.ts`, `index.js`, `index.mjs`, `index.html`, `public/index.html` that
 * exists. An entrypoint outside the app's folder is no entrypoint: 500 ENTRYPOINT_NOT_FOUND.
 * Each app below is written into a temporary APPS_DIR; each module answers its own file's name.
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { existsSync, mkdirSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { call } from "./_pool-helpers.ts";
import { startTestServer, stopThenRemove, type TestServer, tempAppsDir } from "./_setup.ts";

let apps: ReturnType<typeof tempAppsDir>;
let server: TestServer;

/** A module that answers `file` (its own path in the app), so a response names what was loaded. */
const answering = (file: string) => `export default { fetch: () => new Response(${JSON.stringify(file)}) };\n`;
const page = (file: string) => `<!doctype html><title>${file}</title><p>${file}</p>\n`;

/** Writes `APPS_DIR/<name>/1.0.0/` with `files` (path → content). */
function writeFiles(name: string, files: Record<string, string>): void {
  for (const [path, content] of Object.entries(files)) {
    const target = join(apps.dir, name, "1.0.0", path);
    mkdirSync(dirname(target), { recursive: true });
    writeFileSync(target, content);
  }
}

/** The app's modules each answer their own name; `index.html` files hold a page naming themselves. */
function writeApp(name: string, paths: string[], config?: object): void {
  const files: Record<string, string> = {};
  for (const path of paths) files[path] = path.endsWith(".html") ? page(path) : answering(path);
  if (config) files["worker.jsonc"] = JSON.stringify(config);
  writeFiles(name, files);
}

beforeAll(async () => {
  apps = tempAppsDir("hello");
  writeApp("configured", ["src/main.ts", "index.ts"], { entrypoint: "src/main.ts" });
  writeApp("ts-first", ["index.ts", "index.js", "index.mjs", "index.html"]);
  writeApp("js-before-mjs", ["index.js", "index.mjs", "index.html"]);
  writeApp("only-mjs", ["index.mjs", "index.html"]);
  writeApp("root-html", ["index.html", "public/index.html"]);
  writeApp("public-html", ["public/index.html"]);
  // Each has an index.ts too: falling back to the automatic search would serve it.
  writeApp("escapes-relative", ["index.ts"], { entrypoint: "../../hello/1.0.0/index.ts" });
  writeApp("escapes-absolute", ["index.ts"], { entrypoint: join(apps.dir, "hello/1.0.0/index.ts") });
  server = await startTestServer({ APPS_DIR: apps.dir });
});

afterAll(() => stopThenRemove(server, apps));

/** The entrypoint `/_/deployments` names for `name@1.0.0`. */
async function listedEntrypoint(name: string): Promise<string> {
  const res = await server.admin(`/_/deployments/${name}/1.0.0`);
  expect(res.status).toBe(200);
  return ((await res.json()) as { entrypoint: string }).entrypoint;
}

describe("the entrypoint option", () => {
  test('{"entrypoint": "src/main.ts"} is served, not the index.ts beside it', async () => {
    const answer = await call(server.at("/configured/"));
    expect(answer.status).toBe(200);
    expect(answer.body).toBe("src/main.ts");
    expect(await listedEntrypoint("configured")).toBe("src/main.ts");
  });

  test.each([
    ["a relative path", "escapes-relative"],
    ["an absolute path", "escapes-absolute"],
  ])("one that leaves the app's folder (%s) is 500 ENTRYPOINT_NOT_FOUND", async (_, name) => {
    // The file it names exists (hello is in APPS_DIR) and would load: only the folder rule refuses it.
    expect(existsSync(join(apps.dir, "hello/1.0.0/index.ts"))).toBe(true);
    const answer = await call(server.at(`/${name}/`));
    expect(answer.status).toBe(500);
    expect(answer.headers.get("content-type")).toStartWith("application/json");
    expect(answer.code).toBe("ENTRYPOINT_NOT_FOUND");
    expect(server.pool.snapshot().filter((w) => w.app === name)).toEqual([]);
  });
});

describe("the automatic search order: index.ts, index.js, index.mjs, index.html, public/index.html", () => {
  test.each([
    ["ts-first", "index.ts"],
    ["js-before-mjs", "index.js"],
    ["only-mjs", "index.mjs"],
  ])("%s serves %s", async (name, file) => {
    const answer = await call(server.at(`/${name}/`));
    expect(answer.status).toBe(200);
    expect(answer.body).toBe(file);
    expect(await listedEntrypoint(name)).toBe(file);
  });

  test("a root index.html (before public/index.html) is served statically, as text/html", async () => {
    const res = await fetch(server.at("/root-html/"));
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toStartWith("text/html");
    expect(await res.text()).toBe(page("index.html"));
    expect(await listedEntrypoint("root-html")).toBe("index.html");
  });

  test("public/index.html, last in the order, is served statically when nothing else is there", async () => {
    const res = await fetch(server.at("/public-html/"));
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toStartWith("text/html");
    expect(await res.text()).toBe(page("public/index.html"));
    expect(await listedEntrypoint("public-html")).toBe("public/index.html");
  });
});
