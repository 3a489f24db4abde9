/**
 * The dashboard's safety in a real browser: a viewer is offered no write control and the server
 * refuses a write forged with its cookie; a cross-site form POST carrying a deployer's cookie is
 * refused for want of the CSRF header; markup in an app's config or in a URL stays text.
 */
import { afterAll, beforeAll, describe, expect, setDefaultTimeout, test } from "bun:test";
import type { Browser, BrowserContext, Page } from "playwright-core";
import { createKey } from "../../server/src/admin/keys-routes.ts";
import { writeApp, writeAppCode } from "../_pool-helpers.ts";
import { startTestServer, stopThenRemove, type TestServer, tempAppsDir } from "../_setup.ts";
import { BROWSER_TEST_TIMEOUT, launchBrowser, signIn } from "./_browser.ts";

/** Markup that would run a script if any page put it in as HTML. */
const INJECTION = "<img src=x onerror=window.__injected=1>";

setDefaultTimeout(BROWSER_TEST_TIMEOUT);

describe("dashboard, safety", () => {
  const apps = tempAppsDir("hello");
  let server: TestServer;
  let browser: Browser;
  let viewer: { context: BrowserContext; page: Page };
  let deployer: { context: BrowserContext; page: Page };
  let attacker: ReturnType<typeof Bun.serve> | undefined;

  beforeAll(async () => {
    // The env NAME is shown (its value is redacted): app names cannot hold markup, this can.
    writeApp(apps.dir, "marked", "hello", { env: { [INJECTION]: "secret-value" } });
    writeAppCode(
      apps.dir,
      "chatty",
      `export default { fetch() { console.log(${JSON.stringify(INJECTION)}); return new Response("ok"); } };`,
    );
    server = await startTestServer({ APPS_DIR: apps.dir });
    const view = await createKey(server.keys, { name: "watcher", role: "viewer" });
    const deploy = await createKey(server.keys, { name: "ci", role: "deployer" });
    browser = await launchBrowser();
    viewer = await signIn(browser, server.at("/"), view.key);
    deployer = await signIn(browser, server.at("/"), deploy.key);
    for (const { page } of [viewer, deployer]) page.on("dialog", (d) => void d.dismiss());
  });
  afterAll(async () => {
    attacker?.stop(true);
    await viewer?.context.close();
    await deployer?.context.close();
    await browser?.close();
    await stopThenRemove(server, apps);
  });

  test("a viewer's app page has no deploy, delete, tag or traffic control", async () => {
    const { page } = viewer;
    await page.goto("/_/dashboard/apps/hello");
    await page.locator('li[data-version="1.0.0"]').waitFor();
    for (const control of ["#deploy-form", "#deploy-file", "button.delete-version", "#tag-form", "#traffic-form"]) {
      expect({ control, count: await page.locator(control).count() }).toEqual({ control, count: 0 });
    }
    // The same page for a deployer has them (the check above is not vacuous).
    await deployer.page.goto("/_/dashboard/apps/hello");
    expect(await deployer.page.locator("#deploy-file").count()).toBe(1);
    expect(await deployer.page.locator("button.delete-version").count()).toBeGreaterThan(0);
  });

  test("a write forged with a viewer's cookie and the CSRF header is refused: 403 FORBIDDEN", async () => {
    const answer = await viewer.page.evaluate(async () => {
      const res = await fetch("/_/deployments/hello/1.0.0", { method: "DELETE", headers: { "x-buntime-csrf": "1" } });
      return { status: res.status, body: await res.json() };
    });
    expect(answer.status).toBe(403);
    expect(answer.body.error.code).toBe("FORBIDDEN");
    expect((await fetch(server.at("/hello@1.0.0/"))).status).toBe(200);
  });

  test("a cross-site form POST with a deployer's cookie is refused (no CSRF header): 403", async () => {
    // Another origin on the same host (same site, so SameSite alone would let the cookie go):
    // the CSRF header is what stops it.
    const target = server.at("/_/deployments/hello/1.0.0");
    attacker = Bun.serve({
      hostname: "127.0.0.1",
      port: 0,
      fetch: () =>
        new Response(
          `<!doctype html><form id=f method=post action="${target}" enctype="text/plain"><input name=x value=y></form><script>document.getElementById("f").submit()</script>`,
          { headers: { "content-type": "text/html" } },
        ),
    });
    const { page } = deployer;
    const navigated = page.waitForResponse((res) => res.url() === target);
    await page.goto(`http://127.0.0.1:${attacker.port}/`);
    const res = await navigated;
    expect(res.status()).toBe(403);
    // FORBIDDEN for want of the header, not 401: the browser did send the session cookie.
    expect((await res.json()).error).toEqual({ code: "FORBIDDEN", message: expect.stringContaining("x-buntime-csrf") });
    expect((await fetch(server.at("/hello@1.0.0/"))).status).toBe(200);
  });

  test("markup in a config and in the URL stays text; no script runs", async () => {
    const { page } = deployer;
    await page.goto("/_/dashboard/apps/marked");
    const config = await page.locator('li[data-version="1.0.0"] pre').textContent();
    expect(config).toContain(INJECTION);
    expect(config).not.toContain("secret-value");
    await page.goto(`/_/dashboard/apps/${encodeURIComponent(INJECTION)}`);
    expect(await page.locator("main code").textContent()).toBe(INJECTION);
    for (const path of ["/_/dashboard/apps/marked", `/_/dashboard/apps/${encodeURIComponent(INJECTION)}`]) {
      await page.goto(path);
      expect({ path, images: await page.locator("main img").count() }).toEqual({ path, images: 0 });
      expect(await page.evaluate(() => (window as { __injected?: number }).__injected)).toBeUndefined();
    }
  });

  test("a log line holding markup is shown as text", async () => {
    const { page } = deployer;
    await page.goto("/_/dashboard/apps/chatty");
    await page.locator("#logs-section").waitFor();
    expect((await fetch(server.at("/chatty/"))).status).toBe(200);
    const line = page.locator("#logs li", { hasText: INJECTION });
    await line.waitFor();
    expect(await page.locator("main img").count()).toBe(0);
    expect(await page.evaluate(() => (window as { __injected?: number }).__injected)).toBeUndefined();
  });

  test("every dashboard answer carries the strict Content-Security-Policy", async () => {
    for (const path of [
      "/_/dashboard/login",
      "/_/dashboard",
      "/_/dashboard/apps/hello",
      "/_/dashboard/assets/client.js",
    ]) {
      const res = await deployer.page.request.get(path);
      const csp = res.headers()["content-security-policy"] ?? "";
      expect({ path, csp }).toEqual({
        path,
        csp: expect.stringContaining("default-src 'self'; script-src 'self'"),
      });
      expect(csp).toContain("object-src 'none'");
      expect(csp).toContain("frame-ancestors 'none'");
      expect(csp).not.toContain("unsafe-inline");
    }
  });
});
