/**
 * Deploying and deleting from the app page in a real browser: `fixtures/apps/hello/2.0.0`
 * packed as a .tar.gz (the CLI's packer) through the file input, with the progress bar and
 * the server's message on a refusal; then deleted after a confirmation.
 */
import { afterAll, beforeAll, describe, expect, setDefaultTimeout, test } from "bun:test";
import { rmSync } from "node:fs";
import { join } from "node:path";
import type { Browser, BrowserContext, Page } from "playwright-core";
import { createKey } from "../../server/src/admin/keys-routes.ts";
import { packFolder } from "../../server/src/cli/pack.ts";
import { FIXTURE_APPS, startTestServer, stopThenRemove, type TestServer, tempAppsDir } from "../_setup.ts";
import { BROWSER_TEST_TIMEOUT, launchBrowser, signIn } from "./_browser.ts";

setDefaultTimeout(BROWSER_TEST_TIMEOUT);

describe("dashboard, deploy and delete", () => {
  const apps = tempAppsDir("hello");
  let server: TestServer;
  let browser: Browser;
  let context: BrowserContext;
  let page: Page;
  let archive: Buffer;

  beforeAll(async () => {
    rmSync(join(apps.dir, "hello", "2.0.0"), { recursive: true });
    archive = Buffer.from(await packFolder(join(FIXTURE_APPS, "hello", "2.0.0")));
    server = await startTestServer({ APPS_DIR: apps.dir });
    const { key } = await createKey(server.keys, { name: "ci", role: "deployer" });
    browser = await launchBrowser();
    ({ context, page } = await signIn(browser, server.at("/"), key));
    await page.goto("/_/dashboard/apps/hello");
  });
  afterAll(async () => {
    await context?.close();
    await browser?.close();
    await stopThenRemove(server, apps);
  });

  const chooseArchive = () =>
    page.setInputFiles("#deploy-file", { name: "hello-2.0.0.tar.gz", mimeType: "application/gzip", buffer: archive });

  test("an archive chosen in the file input is deployed: listed on the page and served", async () => {
    expect(await page.locator('li[data-version="2.0.0"]').count()).toBe(0);
    expect((await fetch(server.at("/hello@2.0.0/"))).status).toBe(404);
    await page.fill("#deploy-version", "2.0.0");
    await chooseArchive();
    await Promise.all([page.waitForEvent("load"), page.click("#deploy-submit")]);
    await page.locator('li[data-version="2.0.0"]').waitFor();
    const res = await fetch(server.at("/hello@2.0.0/"));
    expect(await res.json()).toMatchObject({ app: "hello", version: "2.0.0" });
  });

  test("a refusal shows the server's message, after the whole upload went (progress 100)", async () => {
    await page.fill("#deploy-version", "2.0.0");
    await chooseArchive();
    await page.click("#deploy-submit");
    const status = page.locator("#deploy-status", { hasText: "Refused" });
    await status.waitFor();
    expect(await status.textContent()).toMatch(/^Refused: DEPLOYMENT_EXISTS: hello@2\.0\.0 already exists/);
    expect(await page.locator("#deploy-progress").evaluate((p) => (p as HTMLProgressElement).value)).toBe(100);
  });

  test("an archive dropped on the drop zone is deployed too", async () => {
    await page.fill("#deploy-version", "2.0.1");
    // A drop as the browser delivers one: a DataTransfer holding the file.
    await page.evaluate((base64) => {
      const bytes = Uint8Array.from(atob(base64), (c) => c.charCodeAt(0));
      const transfer = new DataTransfer();
      transfer.items.add(new File([bytes], "hello.tgz", { type: "application/gzip" }));
      const zone = document.getElementById("drop-zone") as HTMLElement;
      zone.dispatchEvent(new DragEvent("dragover", { dataTransfer: transfer, bubbles: true, cancelable: true }));
      zone.dispatchEvent(new DragEvent("drop", { dataTransfer: transfer, bubbles: true, cancelable: true }));
    }, archive.toString("base64"));
    await page.locator("#deploy-status", { hasText: "Ready to deploy hello.tgz" }).waitFor();
    await Promise.all([page.waitForEvent("load"), page.click("#deploy-submit")]);
    await page.locator('li[data-version="2.0.1"]').waitFor();
    expect((await fetch(server.at("/hello@2.0.1/"))).status).toBe(200);
    expect((await server.admin("/_/deployments/hello/2.0.1", { method: "DELETE" })).status).toBe(204);
  });

  test("deleting asks first: dismissed, nothing happens; confirmed, the version is gone", async () => {
    const button = page.locator('button.delete-version[data-version="2.0.0"]');
    const dismiss = page.waitForEvent("dialog").then((dialog) => {
      expect(dialog.type()).toBe("confirm");
      expect(dialog.message()).toContain("hello@2.0.0");
      return dialog.dismiss();
    });
    await button.click();
    await dismiss;
    expect((await fetch(server.at("/hello@2.0.0/"))).status).toBe(200);
    page.once("dialog", (dialog) => dialog.accept());
    await Promise.all([page.waitForEvent("load"), button.click()]);
    expect(await page.locator('li[data-version="2.0.0"]').count()).toBe(0);
    expect((await fetch(server.at("/hello@2.0.0/"))).status).toBe(404);
  });

  test("moving a tag and setting the traffic split through the forms", async () => {
    await page.goto("/_/dashboard/apps/hello");
    await page.locator("#releases-section").waitFor();
    await page.fill("#tag-name", "latest");
    await page.selectOption("#tag-version", "1.0.0");
    await page.click("#tag-form button[type=submit]");
    await page.locator("#tags dd", { hasText: "1.0.0" }).waitFor();
    // latest is what /hello/ serves: the rollback took effect.
    expect(await (await fetch(server.at("/hello/"))).json()).toMatchObject({ version: "1.0.0" });

    await page.fill('#traffic-form input[data-version="1.0.0"]', "70");
    await page.fill('#traffic-form input[data-version="1.1.0"]', "30");
    await page.click("#traffic-form button[type=submit]");
    await page.locator("#traffic", { hasText: "1.0.0: 70 %, 1.1.0: 30 %" }).waitFor();
    const app = (await (await server.admin("/_/apps/hello")).json()) as { traffic: Record<string, number> };
    expect(app.traffic).toEqual({ "1.0.0": 70, "1.1.0": 30 });

    // A split that does not sum to 100 is refused with the server's message; nothing changes.
    await page.fill('#traffic-form input[data-version="1.1.0"]', "10");
    await page.click("#traffic-form button[type=submit]");
    await page.locator("#release-status", { hasText: "Refused: REQUEST_INVALID" }).waitFor();
    expect(((await (await server.admin("/_/apps/hello")).json()) as { traffic: unknown }).traffic).toEqual({
      "1.0.0": 70,
      "1.1.0": 30,
    });

    await page.click("#traffic-clear");
    await page.locator("#traffic", { hasText: "no split" }).waitFor();
  });
});
