/**
 * docs/configuration.md#the-entrypoint-module: an `.html` entrypoint serves its folder statically,
 * with SPA fallback, the right content types, and nothing outside the app. The spa fixture serves
 * `public/`; its `secret.json` sits beside `public/` and must never be served.
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { mkdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { rawRequest } from "./_raw-http.ts";
import { FIXTURE_APPS, startTestServer, stopThenRemove, type TestServer, tempAppsDir } from "./_setup.ts";

const SPA = join(FIXTURE_APPS, "spa/1.0.0");
const INDEX_HTML = readFileSync(join(SPA, "public/index.html"), "utf8");
const SECRET = "must never be served";

/** A leak shows as the secret's text, a passwd line, or the marker of a file outside the apps. */
const OUTSIDE_MARKER = "outside-the-apps-dir-marker";
function expectNoLeak(text: string): void {
  expect(text).not.toContain(SECRET);
  expect(text).not.toMatch(/root:.*:0:0:/);
  expect(text).not.toContain(OUTSIDE_MARKER);
}

/** GETs `path` as a raw request line (fetch would normalise `..` and `%2e%2e` before sending): refused, or the SPA fallback. */
async function expectContained(server: TestServer, path: string): Promise<void> {
  const res = await rawRequest(server.port, `GET ${path} HTTP/1.1`);
  expectNoLeak(res.raw);
  // Refused, or the SPA fallback: nothing else is acceptable.
  if (res.status === 200) expect(res.body).toBe(INDEX_HTML);
  else expect([400, 403, 404]).toContain(res.status);
}

describe("the spa fixture", () => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startTestServer();
  });
  afterAll(() => server.stop());

  test("/spa/ is index.html as text/html", async () => {
    const res = await fetch(server.at("/spa/"));
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toStartWith("text/html");
    expect(await res.text()).toBe(INDEX_HTML);
  });

  test("/spa without a slash is index.html too", async () => {
    const res = await fetch(server.at("/spa"));
    expect(res.status).toBe(200);
    expect(await res.text()).toBe(INDEX_HTML);
  });

  test.each([
    ["/spa/assets/app.css", "text/css", "public/assets/app.css"],
    ["/spa/assets/app.js", "text/javascript", "public/assets/app.js"],
    ["/spa/index.html", "text/html", "public/index.html"],
  ])("%s is served as %s", async (path, type, file) => {
    const res = await fetch(server.at(path));
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toStartWith(type);
    expect(await res.text()).toBe(readFileSync(join(SPA, file), "utf8"));
  });

  test.each(["/spa/some/deep/route", "/spa/users/42?tab=profile", "/spa/assets/missing.js"])(
    "an unknown path (%s) falls back to index.html",
    async (path) => {
      const res = await fetch(server.at(path));
      expect(res.status).toBe(200);
      expect(res.headers.get("content-type")).toStartWith("text/html");
      expect(await res.text()).toBe(INDEX_HTML);
    },
  );

  test("HEAD answers the headers without a body", async () => {
    const res = await fetch(server.at("/spa/assets/app.css"), { method: "HEAD" });
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toStartWith("text/css");
    expect(await res.text()).toBe("");
  });

  test.each([
    "/spa/../secret.json",
    "/spa/%2e%2e/secret.json",
    "/spa/%2E%2E/secret.json",
    "/spa/..%2fsecret.json",
    "/spa/%2e%2e%2fsecret.json",
    "/spa/..%5csecret.json",
    "/spa/..\\secret.json",
    "/spa/%252e%252e%252fsecret.json",
    "/spa/assets/../../secret.json",
    "/spa/assets/..%2f..%2fsecret.json",
    "/spa/assets/%2e%2e%2f%2e%2e%2fsecret.json",
    "/spa/....//secret.json",
    "/spa/.%2e/secret.json",
    "/spa/%2e%2e%2f%2e%2e%2f%2e%2e%2f%2e%2e%2f%2e%2e%2f%2e%2e%2f%2e%2e%2fetc%2fpasswd",
    "/spa/../../../../../../../etc/passwd",
    "/spa/..%2f..%2f..%2f..%2f..%2f..%2f..%2fetc%2fpasswd",
    "/spa//etc/passwd",
    "/spa/%2fetc%2fpasswd",
    "/spa/%00../secret.json",
    "/spa/..%00/secret.json",
  ])("GET %s never reaches outside public/", (path) => expectContained(server, path));

  test("a segment that decodes to a separator names no file: the fallback, even where the path stays inside public/", async () => {
    // Guards judge `/spa/x/..%2fassets/app.css` with `%2F` still encoded (as under `/spa/x/**`);
    // decoded whole, it named `/assets/app.css` and was served. Now it is a deep link of the app.
    for (const path of ["/spa/x/..%2fassets/app.css", "/spa/x/..%2Fassets/app.css", "/spa/x/%2e%2e%2fassets/app.css"]) {
      const res = await fetch(server.at(path));
      expect({ path, status: res.status, body: await res.text() }).toEqual({ path, status: 200, body: INDEX_HTML });
    }
  });

  test("an absolute-form request line never reaches outside public/", async () => {
    const res = await rawRequest(server.port, "GET http://127.0.0.1/spa/%2e%2e/secret.json HTTP/1.1");
    expectNoLeak(res.raw);
  });
});

describe("links inside the app folder", () => {
  let server: TestServer;
  const apps = tempAppsDir("spa");
  const outsideFile = join(apps.dir, "..", `${apps.dir.split("/").at(-1)}-outside.txt`);

  beforeAll(async () => {
    const publicDir = join(apps.dir, "spa/1.0.0/public");
    writeFileSync(outsideFile, OUTSIDE_MARKER);
    symlinkSync(join(apps.dir, "spa/1.0.0/secret.json"), join(publicDir, "secret-link.json"));
    symlinkSync("../secret.json", join(publicDir, "relative-link.json"));
    symlinkSync(outsideFile, join(publicDir, "outside.txt"));
    symlinkSync("/etc/passwd", join(publicDir, "passwd"));
    symlinkSync("..", join(publicDir, "up"));
    symlinkSync("/etc", join(publicDir, "etc"));
    server = await startTestServer({ APPS_DIR: apps.dir });
  });
  afterAll(async () => {
    await server.stop();
    apps.remove();
    rmSync(outsideFile, { force: true });
  });

  test("the copy still serves its files", async () => {
    const res = await fetch(server.at("/spa/assets/app.css"));
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toStartWith("text/css");
  });

  test.each([
    "/spa/secret-link.json",
    "/spa/relative-link.json",
    "/spa/outside.txt",
    "/spa/passwd",
    "/spa/up/secret.json",
    "/spa/up/public/index.html/../../secret.json",
    "/spa/etc/passwd",
    "/spa/etc/",
  ])("a symlink is not followed out of public/: %s", (path) => expectContained(server, path));
});

describe("an index.html at the app folder's root (the folder itself is served)", () => {
  let server: TestServer;
  const apps = tempAppsDir();
  const dir = join(apps.dir, "site/1.0.0");

  beforeAll(async () => {
    mkdirSync(join(dir, ".git"), { recursive: true });
    mkdirSync(join(dir, ".well-known"), { recursive: true });
    writeFileSync(join(dir, "index.html"), "<h1>site</h1>");
    writeFileSync(join(dir, "worker.jsonc"), JSON.stringify({ env: { API_TOKEN: SECRET } }));
    writeFileSync(join(dir, ".env"), `API_TOKEN=${SECRET}`);
    writeFileSync(join(dir, ".git/config"), SECRET);
    writeFileSync(join(dir, ".well-known/security.txt"), "Contact: mailto:security@example.com");
    writeFileSync(join(dir, "about.txt"), "about");
    server = await startTestServer({ APPS_DIR: apps.dir });
  });
  afterAll(() => stopThenRemove(server, apps));

  test("its config (the app's env) and its dotfiles are never served, however the path is written: the fallback instead", async () => {
    for (const path of [
      "/site/worker.jsonc",
      "/site/worker.jsonc/",
      "/site//worker.jsonc",
      "/site@1/worker.jsonc/",
      "/site/x/../worker.jsonc",
      "/site/worker%2Ejsonc",
      "/site/.env",
      "/site/.env/",
      "/site//.git/config",
      "/site/%2eenv",
    ]) {
      const res = await rawRequest(server.port, `GET ${path} HTTP/1.1`);
      expectNoLeak(res.raw);
      expect({ path, status: res.status, body: res.body }).toEqual({ path, status: 200, body: "<h1>site</h1>" });
    }
  });

  test("its other files are, .well-known/ included", async () => {
    expect(await (await fetch(server.at("/site/about.txt"))).text()).toBe("about");
    expect(await (await fetch(server.at("/site/.well-known/security.txt"))).text()).toContain("Contact:");
    expect(await (await fetch(server.at("/site/"))).text()).toBe("<h1>site</h1>");
  });
});
