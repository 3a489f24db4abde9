/**
 * axe-core over the dashboard's pages in a real browser (login, overview with live data, an app
 * page with every write control): no serious or critical violation.
 */
import { afterAll, beforeAll, describe, expect, setDefaultTimeout, test } from "bun:test";
import { createRequire } from "node:module";
import type { Browser, BrowserContext, Page } from "playwright-core";
import { createKey } from "../../server/src/admin/keys-routes.ts";
import { startTestServer, stopThenRemove, type TestServer, tempAppsDir } from "../_setup.ts";
import { BROWSER_TEST_TIMEOUT, launchBrowser, signIn } from "./_browser.ts";

setDefaultTimeout(BROWSER_TEST_TIMEOUT);

const AXE_SOURCE = await Bun.file(createRequire(import.meta.url).resolve("axe-core/axe.min.js")).text();

interface Violation {
  id: string;
  impact: string | null;
  help: string;
  nodes: { target: unknown }[];
}

/** The serious and critical violations axe finds on `page` (evaluated over DevTools: the CSP allows no inline script). */
async function seriousViolations(page: Page): Promise<{ id: string; help: string; targets: unknown[] }[]> {
  await page.evaluate(AXE_SOURCE);
  const violations = (await page.evaluate(async () => {
    const axe = (window as unknown as { axe: { run(): Promise<{ violations: unknown[] }> } }).axe;
    return (await axe.run()).violations;
  })) as Violation[];
  return violations
    .filter((v) => v.impact === "serious" || v.impact === "critical")
    .map((v) => ({ id: v.id, help: v.help, targets: v.nodes.map((n) => n.target) }));
}

describe("dashboard, accessibility", () => {
  const apps = tempAppsDir("hello");
  let server: TestServer;
  let browser: Browser;
  let context: BrowserContext;
  let page: Page;

  beforeAll(async () => {
    server = await startTestServer({ APPS_DIR: apps.dir });
    const { key } = await createKey(server.keys, { name: "ci", role: "deployer" });
    browser = await launchBrowser();
    const anonymous = await browser.newPage({ baseURL: server.at("/") });
    await anonymous.goto("/_/dashboard/login");
    expect(await seriousViolations(anonymous)).toEqual([]);
    await anonymous.close();
    ({ context, page } = await signIn(browser, server.at("/"), key));
  });
  afterAll(async () => {
    await context?.close();
    await browser?.close();
    await stopThenRemove(server, apps);
  });

  test("the overview, with a live worker and its events", async () => {
    // The worker's events reach the page only once its stream is open.
    await page.locator("#stream-state", { hasText: "Live" }).waitFor();
    await (await fetch(server.at("/hello/"))).text();
    await page.locator("#workers tr", { hasText: "hello@" }).first().waitFor();
    await page.locator("#events li").first().waitFor();
    expect(await seriousViolations(page)).toEqual([]);
  });

  test("an app page with the deploy, delete, tag and traffic controls", async () => {
    await page.goto("/_/dashboard/apps/hello");
    await page.locator("#deploy-form").waitFor();
    expect(await seriousViolations(page)).toEqual([]);
  });
});
