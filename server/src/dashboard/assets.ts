/// <reference path="./text-imports.d.ts" />
/**
 * `/_/dashboard/assets/*`: the few static files the pages load (public: they hold no data).
 * A fixed table of names, so no path from the URL ever reaches the file system.
 */
import { Hono } from "hono";
import uplotJs from "uplot/dist/uPlot.iife.min.js" with { type: "text" };
import uplotCss from "uplot/dist/uPlot.min.css" with { type: "text" };
import { BuntimeError, errorResponse } from "../errors.ts";
import type { Logger } from "../util/log.ts";
import clientJs from "./client.generated.js" with { type: "text" };
import dashboardCss from "./dashboard.css" with { type: "text" };

// Every asset is text in the code, put there when this file is bundled (`npm run build`,
// `build:bin`: the binary has no node_modules or client sources to read) or transpiled (from
// source). The client is the committed bundle of `client/` (see client-bundle.ts). Their types
// are in text-imports.d.ts, referenced at the top: an app's project type-checks this file in
// node_modules (it is what the package ships) and would never include the .d.ts otherwise.

const JS = "text/javascript; charset=utf-8";
const CSS = "text/css; charset=utf-8";

/** Name → its text (or why it has none) and its type. */
const FILES: Record<string, { text: string | { error: string }; type: string }> = {
  "client.js": { text: clientJs, type: JS },
  "uplot.js": { text: uplotJs, type: JS },
  "uplot.css": { text: uplotCss, type: CSS },
  "dashboard.css": { text: dashboardCss, type: CSS },
};

/** The asset names, for the pages' `<script>` and `<link>` tags. */
export const ASSET = {
  client: "/_/dashboard/assets/client.js",
  uplot: "/_/dashboard/assets/uplot.js",
  uplotCss: "/_/dashboard/assets/uplot.css",
  css: "/_/dashboard/assets/dashboard.css",
} as const;

/** The assets route (mounted at `/_/dashboard/assets`). */
export function assetRoutes(logger: Logger): Hono {
  const routes = new Hono();
  routes.get("/:name", async (c) => {
    const name = c.req.param("name");
    // Own names only: `constructor` or `__proto__` would find Object's members (a 500, once).
    const file = Object.hasOwn(FILES, name) ? FILES[name] : undefined;
    if (!file) return errorResponse(new BuntimeError("NOT_FOUND", "no such dashboard asset"));
    if (typeof file.text !== "string") {
      logger.error("dashboard asset failed", { asset: name, error: file.text.error });
      return errorResponse(new BuntimeError("INTERNAL_ERROR", "the dashboard asset is unavailable"));
    }
    // no-cache: revalidated each load, so a new server's client is never mixed with an old page.
    return c.body(file.text, 200, { "content-type": file.type, "cache-control": "no-cache" });
  });
  return routes;
}
