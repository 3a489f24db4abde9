/**
 * The dashboard live, in a real browser: signing in with a key, the worker table following the
 * pool through `/_/sse` (a row when a request spawns a worker, the recycle reason after
 * maxRequests), a chart drawn, a browser opening `/` landing on the dashboard, and no secret
 * ever in a URL the browser asks for.
 */
import { afterAll, beforeAll, describe, expect, setDefaultTimeout, test } from "bun:test";
import type { Browser, BrowserContext, Page } from "playwright-core";
import { createKey } from "../../server/src/admin/keys-routes.ts";
import { writeApp } from "../_pool-helpers.ts";
import { startTestServer, stopThenRemove, type TestServer, tempAppsDir } from "../_setup.ts";
import { BROWSER_TEST_TIMEOUT, launchBrowser, signIn, UI_TIMEOUT, waitForLine } from "./_browser.ts";

/** The requests-per-second line's stroke (client/charts.ts PALETTE[0]). */
const RPS_STROKE: [number, number, number] = [0x1d, 0x5b, 0xbf];

setDefaultTimeout(BROWSER_TEST_TIMEOUT);

describe("dashboard, live", () => {
  const apps = tempAppsDir();
  let server: TestServer;
  let browser: Browser;
  let context: BrowserContext;
  let page: Page;

  beforeAll(async () => {
    writeApp(apps.dir, "counter", "hello", { maxRequests: 3 });
    server = await startTestServer({ APPS_DIR: apps.dir });
    const { key } = await createKey(server.keys, { name: "ops", role: "viewer" });
    browser = await launchBrowser();
    ({ context, page } = await signIn(browser, server.at("/"), key));
  });
  afterAll(async () => {
    await context?.close();
    await browser?.close();
    await stopThenRemove(server, apps);
  });

  test("signed in with a key: the header names it and its role", async () => {
    expect(await page.textContent("#who")).toContain("ops");
    expect(await page.textContent("#role")).toBe("viewer");
    await page.locator("#stream-state", { hasText: "Live" }).waitFor();
  });

  test("a request that spawns a worker adds its row; maxRequests shows the recycle reason", async () => {
    const rows = page.locator("#workers tr", { hasText: "counter@1.0.0" });
    expect(await rows.count()).toBe(0);
    expect((await fetch(server.at("/counter/"))).status).toBe(200);
    await rows.first().waitFor();
    for (let i = 0; i < 2; i++) expect((await fetch(server.at("/counter/"))).status).toBe(200);
    await page.locator("#workers tr", { hasText: "recycled: max-requests" }).waitFor();
    await page.locator("#events li", { hasText: /recycle counter@1\.0\.0 #\d+: max-requests/ }).waitFor();
  });

  test("the requests-per-second chart draws its line", async () => {
    for (let i = 0; i < 5; i++) await (await fetch(server.at("/counter/"))).text();
    // One stats event a second: the line appears once two samples differ.
    await waitForLine(page, "#chart-rps", RPS_STROKE);
  });

  test("the overview shows each app's tags and traffic split", async () => {
    const tagged = await server.admin("/_/apps/counter/tags/latest", {
      method: "PUT",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ version: "1.0.0" }),
    });
    expect(tagged.status).toBe(200);
    await page.reload();
    const row = page.locator('tr[data-app-row="counter"]');
    await row.locator(".tags", { hasText: "latest → 1.0.0" }).waitFor();
    expect(await row.locator(".traffic").textContent()).toBe("no split");
  });

  test("a browser opening / is sent to the dashboard", async () => {
    const other = await context.newPage();
    await other.goto("/");
    expect(new URL(other.url()).pathname).toBe("/_/dashboard");
    await other.close();
  });

  test("no request of a sign-in and a live session carries the secret in its URL; the sign-in is a POST", async () => {
    const { key } = await createKey(server.keys, { name: "watcher", role: "viewer" });
    // Signed in by hand (not `signIn`): the recording must start before the first page.
    const watched = await browser.newContext({ baseURL: server.at("/") });
    watched.setDefaultTimeout(UI_TIMEOUT);
    const requests: { method: string; url: string }[] = [];
    watched.on("request", (request) => requests.push({ method: request.method(), url: request.url() }));
    try {
      const tab = await watched.newPage();
      await tab.goto("/_/dashboard");
      await tab.waitForURL("**/_/dashboard/login");
      await tab.fill("#secret", key);
      await tab.click("button[type=submit]");
      await tab.waitForURL((url) => url.pathname === "/_/dashboard");
      // A short live session: the stream connected, and a worker's row arriving through it.
      await tab.locator("#stream-state", { hasText: "Live" }).waitFor();
      expect((await fetch(server.at("/counter/"))).status).toBe(200);
      await tab.locator("#workers tr", { hasText: "counter@1.0.0" }).first().waitFor();
      await tab.goto("/_/dashboard/apps/counter");

      const signIns = requests.filter((r) => new URL(r.url).pathname === "/_/dashboard/session");
      expect(signIns.map((r) => r.method)).toEqual(["POST"]);
      expect(requests.some((r) => new URL(r.url).pathname === "/_/sse")).toBe(true);
      const leaking = requests.filter((r) => r.url.includes(key) || decodeURIComponent(r.url).includes(key));
      expect(leaking).toEqual([]);
      // Nor under a name a credential would go by, whatever its value.
      const named = requests.filter((r) =>
        [...new URL(r.url).searchParams.keys()].some((k) => /token|key|secret|auth|session/i.test(k)),
      );
      expect(named).toEqual([]);
    } finally {
      await watched.close();
    }
  });

  test("signing out ends the session: the dashboard asks to sign in again", async () => {
    await page.goto("/_/dashboard");
    await Promise.all([page.waitForURL("**/_/dashboard/login"), page.click("#logout")]);
    expect((await context.cookies()).filter((c) => c.name === "buntime_session")).toEqual([]);
    await page.goto("/_/dashboard");
    expect(new URL(page.url()).pathname).toBe("/_/dashboard/login");
  });
});
