/**
 * Regenerates `docs/dashboard.png`: the overview of a real server under load (hello with
 * recycling, a slow app, an app that throws), signed in as a deployer in Debian's chromium.
 * Not a test; run by hand: `bun test/dashboard/screenshot.ts` (about a minute).
 */
import { join } from "node:path";
import { createKey } from "../../server/src/admin/keys-routes.ts";
import { writeApp } from "../_pool-helpers.ts";
import { ROOT, startTestServer, stopThenRemove, tempAppsDir } from "../_setup.ts";
import { launchBrowser, signIn } from "./_browser.ts";

const LOAD_SECONDS = Number(process.env.LOAD_SECONDS ?? 45);

const apps = tempAppsDir("slow", "throws", "hono-api");
writeApp(apps.dir, "hello", "hello", { maxRequests: 2000 });
writeApp(apps.dir, "hello", "hello", { maxRequests: 2000 }, "1.1.0");
const server = await startTestServer({ APPS_DIR: apps.dir, POOL_SIZE: "8" });
const browser = await launchBrowser();
try {
  const { key } = await createKey(server.keys, { name: "ops", role: "deployer" });
  const { page } = await signIn(browser, server.at("/"), key);
  await page.setViewportSize({ width: 1400, height: 1700 });
  await page.reload();
  const until = Date.now() + LOAD_SECONDS * 1000;
  const client = async (pick: (i: number) => string) => {
    for (let i = 0; Date.now() < until; i++) await (await fetch(server.at(pick(i)))).arrayBuffer();
  };
  const phase = () => Math.sin(Date.now() / 4000);
  // Taken while the load still runs (2 s before it ends).
  const shot = Bun.sleep(LOAD_SECONDS * 1000 - 2000).then(() =>
    page.screenshot({ path: join(ROOT, "docs", "dashboard.png") }),
  );
  await Promise.all([
    shot,
    ...Array.from({ length: 6 }, () => client((i) => (i % 3 === 0 ? "/hello@1.1.0/" : "/hello/"))),
    client(() => `/slow/?ms=${Math.round(20 + 30 * (1 + phase()))}`),
    client(() => "/hono-api/"),
    client((i) => (i % 4 === 0 || phase() > 0.6 ? "/throws/throw" : "/throws/")),
  ]);
  console.log("wrote docs/dashboard.png");
} finally {
  await browser.close();
  await stopThenRemove(server, apps);
}
