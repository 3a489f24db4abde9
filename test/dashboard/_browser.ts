/**
 * Shared by the dashboard's browser tests: Debian's chromium driven by playwright-core
 * (`.ci/setup-system.sh` installs it when missing), and signing in through the login page.
 */
import { existsSync } from "node:fs";
import { type Browser, type BrowserContext, chromium, type Page } from "playwright-core";

export const CHROMIUM = "/usr/bin/chromium";

/**
 * A headless chromium. `launch` gives every browser a fresh temporary profile (user-data-dir)
 * of its own, removed on close; the flags keep it off the network and quiet on a loaded machine.
 */
export function launchBrowser(extraArgs: string[] = []): Promise<Browser> {
  if (!existsSync(CHROMIUM)) {
    throw new Error(`${CHROMIUM} is missing: apt-get install chromium (see .ci/setup-system.sh)`);
  }
  return chromium.launch({
    executablePath: CHROMIUM,
    headless: true,
    args: [
      "--no-sandbox",
      "--disable-gpu",
      "--disable-quic",
      "--no-first-run",
      "--disable-background-networking",
      "--disable-component-update",
      "--disable-sync",
      ...extraArgs,
    ],
  });
}

/** Generous: the machine is shared and loaded. */
export const UI_TIMEOUT = 15_000;

/** Per test and hook (bun's default is 5 s; starting chromium alone can take seconds). */
export const BROWSER_TEST_TIMEOUT = 60_000;

/**
 * A new browser context (its own cookie jar) signed in with `secret` through the login page;
 * resolves on the overview. Any dialog but a confirmation the test expects fails loudly.
 */
export async function signIn(
  browser: Browser,
  base: string,
  secret: string,
): Promise<{ context: BrowserContext; page: Page }> {
  const context = await browser.newContext({ baseURL: base });
  context.setDefaultTimeout(UI_TIMEOUT);
  const page = await context.newPage();
  await page.goto("/_/dashboard");
  // Not signed in: the dashboard sends the browser to its login page.
  await page.waitForURL("**/_/dashboard/login");
  await page.fill("#secret", secret);
  await page.click("button[type=submit]");
  await page.waitForURL((url) => url.pathname === "/_/dashboard");
  return { context, page };
}

/**
 * Resolves once a canvas in `selector` has more than `minPixels` pixels of about `rgb` (a series'
 * stroke): uPlot drew that line, not merely the axes. Checked on each animation frame.
 */
export async function waitForLine(
  page: Page,
  selector: string,
  rgb: [number, number, number],
  minPixels = 20,
): Promise<void> {
  await page.waitForFunction(
    ([sel, [r, g, b], min]) => {
      const canvas = document.querySelector<HTMLCanvasElement>(`${sel} canvas`);
      const data = canvas?.getContext("2d")?.getImageData(0, 0, canvas.width, canvas.height).data;
      if (!data) return false;
      let n = 0;
      for (let i = 0; i < data.length; i += 4) {
        const near =
          Math.abs((data[i] as number) - r) +
          Math.abs((data[i + 1] as number) - g) +
          Math.abs((data[i + 2] as number) - b);
        if ((data[i + 3] as number) > 200 && near < 40) n++;
      }
      return n > min;
    },
    [selector, rgb, minPixels] as const,
  );
}
