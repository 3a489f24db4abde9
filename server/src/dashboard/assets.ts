/**
 * `/_/dashboard/assets/*`: the few static files the pages load (public: they hold no data).
 * A fixed table of names, so no path from the URL ever reaches the file system.
 */
import { dirname, join } from "node:path";
import { Hono } from "hono";
import { BuntimeError, errorResponse } from "../errors.ts";
import type { Logger } from "../util/log.ts";
import { clientScript } from "./client-bundle.ts";

/** uPlot's dist folder, found when first asked for (a compiled binary has no node_modules: that asset fails alone). */
const uplotFile = (name: string) => join(dirname(Bun.resolveSync("uplot/package.json", import.meta.dir)), "dist", name);

const JS = "text/javascript; charset=utf-8";
const CSS = "text/css; charset=utf-8";

/** Name → how to read it and its type. */
const FILES: Record<string, { read: () => Promise<string>; type: string }> = {
  "client.js": { read: clientScript, type: JS },
  "uplot.js": { read: () => Bun.file(uplotFile("uPlot.iife.min.js")).text(), type: JS },
  "uplot.css": { read: () => Bun.file(uplotFile("uPlot.min.css")).text(), type: CSS },
  "dashboard.css": { read: () => Bun.file(join(import.meta.dir, "dashboard.css")).text(), type: CSS },
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
    const file = FILES[c.req.param("name")];
    if (!file) return errorResponse(new BuntimeError("NOT_FOUND", "no such dashboard asset"));
    try {
      // no-cache: revalidated each load, so a new server's client is never mixed with an old page.
      return c.body(await file.read(), 200, { "content-type": file.type, "cache-control": "no-cache" });
    } catch (error) {
      logger.error("dashboard asset failed", { asset: c.req.param("name"), error: String(error) });
      return errorResponse(new BuntimeError("INTERNAL_ERROR", "the dashboard asset is unavailable"));
    }
  });
  return routes;
}
