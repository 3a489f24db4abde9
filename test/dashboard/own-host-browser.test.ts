/**
 * DASHBOARD_HOST in a real browser: an operator signed in to the dashboard at admin.test opens an
 * app's page at apps.test (both names mapped to 127.0.0.1 by chromium's host resolver). The
 * page's script, the app's, can neither use the session on its own origin nor act on the
 * dashboard's. Without DASHBOARD_HOST, the same script reads `/_/` with the operator's session:
 * the risk the setting removes.
 */
import { afterAll, beforeAll, describe, expect, setDefaultTimeout, test } from "bun:test";
import type { Browser, BrowserContext, Page } from "playwright-core";
import {
  freePort,
  startTestServer,
  stopThenRemove,
  TEST_ADMIN_TOKEN,
  type TestServer,
  tempAppsDir,
} from "../_setup.ts";
import { BROWSER_TEST_TIMEOUT, launchBrowser, signIn } from "./_browser.ts";

setDefaultTimeout(BROWSER_TEST_TIMEOUT);

/** What the app's script tries, in its page: the answers' statuses, or the error a fetch threw. */
async function tryFromAppPage(page: Page, dashboard: string): Promise<Record<string, number | string>> {
  return page.evaluate(async (admin) => {
    const attempt = async (url: string, init?: RequestInit) => {
      try {
        return (await fetch(url, { credentials: "include", ...init })).status;
      } catch (error) {
        return (error as Error).name;
      }
    };
    const csrf = { "x-buntime-csrf": "1" };
    return {
      ownOrigin: await attempt("/_/stats"),
      ownOriginWrite: await attempt("/_/deployments/hello/1.0.0", { method: "DELETE", headers: csrf }),
      dashboardRead: await attempt(`${admin}/_/stats`),
      dashboardWrite: await attempt(`${admin}/_/deployments/hello/1.0.0`, { method: "DELETE", headers: csrf }),
    };
  }, dashboard);
}

/** What one suite holds: its server, its browser and the operator signed in there. */
interface Suite {
  server: TestServer;
  browser: Browser;
  operator: { context: BrowserContext; page: Page };
}

/**
 * For the enclosing describe: a test server with `env` over an apps folder of hello, chromium
 * with `flags`, and the operator signed in with the admin token at `base` (default the server's
 * own address); all ended after it.
 */
function signedInSuite(env: Record<string, string>, flags: string[] = [], base?: string): Suite {
  const apps = tempAppsDir("hello");
  const suite = {} as Suite;
  beforeAll(async () => {
    suite.server = await startTestServer({ APPS_DIR: apps.dir, ...env });
    suite.browser = await launchBrowser(flags);
    suite.operator = await signIn(suite.browser, base ?? suite.server.at("/"), TEST_ADMIN_TOKEN);
  });
  afterAll(async () => {
    await suite.operator?.context.close();
    await suite.browser?.close();
    await stopThenRemove(suite.server, apps);
  });
  return suite;
}

describe("dashboard on a host of its own, in a browser", () => {
  const port = freePort();
  const dashboard = `http://admin.test:${port}`;
  const suite = signedInSuite(
    { PORT: String(port), DASHBOARD_HOST: `admin.test:${port}` },
    ["--host-resolver-rules=MAP admin.test 127.0.0.1, MAP apps.test 127.0.0.1"],
    `${dashboard}/`,
  );

  test("the app's page, on the apps' host, can neither use the session nor act on the dashboard", async () => {
    const { page } = suite.operator;
    const app = await page.goto(`http://apps.test:${port}/hello/`);
    expect(app?.status()).toBe(200);
    expect(await tryFromAppPage(page, dashboard)).toEqual({
      ownOrigin: 401, // the cookie is the dashboard host's: not sent here, and not honoured here
      ownOriginWrite: 401,
      dashboardRead: "TypeError", // cross-origin, no CORS: the answer cannot be read
      dashboardWrite: "TypeError", // the CSRF header needs a preflight the server never grants
    });
    // Nothing was deleted, and the operator's session still works on the dashboard's host.
    expect((await fetch(suite.server.at("/hello/"))).status).toBe(200);
    await page.goto(`${dashboard}/_/dashboard/apps/hello`);
    await page.locator('li[data-version="1.0.0"]').waitFor();
  });

  test("the app cannot be opened on the dashboard's host", async () => {
    const { page } = suite.operator;
    const there = await page.goto(`${dashboard}/hello/`);
    expect(there?.status()).toBe(404);
  });

  test("the dashboard opened on the apps' host is sent to its own", async () => {
    const { page } = suite.operator;
    await page.goto(`http://apps.test:${port}/_/dashboard`);
    expect(new URL(page.url()).host).toBe(`admin.test:${port}`);
  });
});

describe("dashboard and apps on one host name, different ports, in a browser", () => {
  // Cookies ignore ports: the browser does send the dashboard's cookie to the apps' port, so
  // here only the server's own Host check keeps the app's script from the session.
  const port = freePort();
  const suite = signedInSuite(
    { PORT: String(port), DASHBOARD_HOST: `127.0.0.1:${port}` },
    [],
    `http://127.0.0.1:${port}/`,
  );
  let appsPort: ReturnType<typeof Bun.serve>;

  beforeAll(() => {
    // The apps' port: forwards to the server as it came, Host header and cookies included.
    appsPort = Bun.serve({
      hostname: "127.0.0.1",
      port: 0,
      fetch: (request) => {
        const url = new URL(request.url);
        return fetch(`http://127.0.0.1:${port}${url.pathname}${url.search}`, {
          method: request.method,
          headers: request.headers,
          body: request.body,
          redirect: "manual",
        });
      },
    });
  });
  afterAll(() => appsPort?.stop(true));

  test("the app's page on the other port sends the cookie, and the server does not honour it there", async () => {
    const { page } = suite.operator;
    await page.goto(`http://127.0.0.1:${appsPort.port}/hello/`);
    const sent = page.waitForRequest((r) => r.url().endsWith("/_/stats"));
    const tried = await tryFromAppPage(page, `http://127.0.0.1:${port}`);
    expect((await (await sent).allHeaders()).cookie).toContain("buntime_session=");
    expect(tried.ownOrigin).toBe(401);
    expect(tried.ownOriginWrite).toBe(401);
  });
});

describe("dashboard on the apps' host (DASHBOARD_HOST unset), in a browser", () => {
  const suite = signedInSuite({});

  test("an app's page reads /_/ with the operator's session: what DASHBOARD_HOST prevents", async () => {
    const { page } = suite.operator;
    await page.goto(suite.server.at("/hello/"));
    const tried = await tryFromAppPage(page, suite.server.at("/").replace(/\/$/, ""));
    expect(tried.ownOrigin).toBe(200);
  });
});
