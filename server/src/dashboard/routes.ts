/**
 * `/_/dashboard` (docs/dashboard.md): the pages, the session routes and the static assets, each
 * answer with the strict Content-Security-Policy. The admin guard has run before any of this
 * (pages need `viewer`; the login page and the assets are public, util/public-routes.ts).
 * The pages (pages/*.tsx) are called as functions here, so only they hold JSX.
 */
import { Hono } from "hono";
import type { AdminGuard } from "../admin/guard.ts";
import type { AppCatalog } from "../apps/catalog.ts";
import { isAppName } from "../apps/resolve.ts";
import { BuntimeError, errorResponse } from "../errors.ts";
import { describe } from "../http/deployments.ts";
import type { WorkerPool } from "../pool/pool.ts";
import type { StatsCollector } from "../stats/collector.ts";
import type { Logger } from "../util/log.ts";
import { assetRoutes } from "./assets.ts";
import { AppPage } from "./pages/app-page.tsx";
import { Login } from "./pages/login.tsx";
import { NotFound } from "./pages/not-found.tsx";
import { Overview } from "./pages/overview.tsx";
import { dashboardSecurityHeaders } from "./security-headers.ts";
import { sessionRoutes } from "./session-routes.ts";
import { viewerOf } from "./viewer.ts";

export interface DashboardDeps {
  catalog: AppCatalog;
  pool: WorkerPool;
  guard: AdminGuard;
  stats: StatsCollector;
  logger: Logger;
}

/** The dashboard's routes, to mount at `/_/dashboard`. */
export function dashboardRoutes(deps: DashboardDeps): Hono {
  const { catalog, pool, guard } = deps;
  const routes = new Hono();
  routes.use(dashboardSecurityHeaders);
  routes.use(async (c, next) => {
    await next();
    // Pages show live data and who is signed in: never from a cache.
    if (!c.req.path.includes("/assets/")) c.header("cache-control", "no-store");
  });
  routes.onError((error) => {
    if (error instanceof BuntimeError) return errorResponse(error);
    // Its text (a path, a store's message) is for the log, not for whoever asked: the login page
    // and the assets are public.
    deps.logger.error("dashboard route failed", { error: String(error) });
    return errorResponse(new BuntimeError("INTERNAL_ERROR", "internal error"));
  });

  routes.route("/assets", assetRoutes(deps.logger));
  routes.route("/session", sessionRoutes(guard));
  routes.get("/login", (c) => c.html(Login()));
  // The charts' first 15 minutes (overall), second by second; `/_/sse` carries each new second.
  routes.get("/history", (c) => c.json({ seconds: deps.stats.perSecond.window(Date.now()) }));

  routes.get("/", async (c) => {
    const viewer = await viewerOf(guard, c.req.raw);
    const apps = catalog.names().map((name) => ({ name, versions: catalog.versions(name) ?? [] }));
    return c.html(Overview({ viewer, apps, workers: pool.snapshot() }));
  });

  routes.get("/apps/:name", async (c) => {
    const viewer = await viewerOf(guard, c.req.raw);
    const name = c.req.param("name");
    if (!isAppName(name)) return c.html(NotFound({ viewer, what: name }), 404);
    const versions = await Promise.all((catalog.versions(name) ?? []).map((v) => describe(catalog, name, v)));
    const workers = pool.snapshot().filter((w) => w.app === name);
    return c.html(AppPage({ viewer, name, versions, workers }));
  });
  return routes;
}
