import { Hono } from "hono";

export interface InternalDeps {
  isDraining: () => boolean;
}

/** The runtime's own routes under `/_/`. */
export function internalRoutes(deps: InternalDeps): Hono {
  const routes = new Hono();
  routes.get("/health", (c) => (deps.isDraining() ? c.json({ status: "draining" }, 503) : c.json({ status: "ok" })));
  return routes;
}
