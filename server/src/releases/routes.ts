/**
 * `/_/apps/<name>…` (docs/releases.md): tags, the traffic split and their history, over
 * `ReleaseAdmin`. Writes need role `deployer` (admin/roles.ts, enforced before these run) and
 * answer 200 with the app's state.
 */
import { Hono } from "hono";
import { bodyLimit } from "hono/body-limit";
import type { AppCatalog } from "../apps/catalog.ts";
import { BuntimeError, errorResponse, toBuntimeError } from "../errors.ts";
import { ReleaseAdmin } from "./admin.ts";
import type { Releases } from "./releases.ts";

/** What the pipeline hands internal routes (Hono's `env`): who is asking, for the history. */
export interface CallerEnv {
  Bindings: { caller?: string };
}

/** The most a write's body may be: a tag's is a few bytes, a split of 16 versions a few hundred. */
export const MAX_RELEASE_BODY_BYTES = 64 * 1024;

async function jsonBody(request: Request): Promise<unknown> {
  try {
    return await request.json();
  } catch {
    throw new BuntimeError("REQUEST_INVALID", "the body is not JSON");
  }
}

/** The `/_/apps` routes, to mount at `/_/apps`. */
export function releaseRoutes(deps: {
  catalog: AppCatalog;
  releases: Releases;
  catchUp?: () => Promise<void>;
}): Hono<CallerEnv> {
  const admin = new ReleaseAdmin(deps.catalog, deps.releases, deps.catchUp);
  const routes = new Hono<CallerEnv>();
  routes.onError((error) => errorResponse(toBuntimeError(error)));
  // Bounded before JSON reads it (a declared length at once, a streamed body as it comes).
  routes.use(
    bodyLimit({
      maxSize: MAX_RELEASE_BODY_BYTES,
      onError: () =>
        errorResponse(new BuntimeError("BODY_TOO_LARGE", `request body over ${MAX_RELEASE_BODY_BYTES} bytes`)),
    }),
  );
  // The guard let only an identified caller write; "unknown" is a last resort, never expected.
  const by = (env: CallerEnv["Bindings"] | undefined) => env?.caller ?? "unknown";

  routes.get("/:name", async (c) => c.json(await admin.read(c.req.param("name"))));
  routes.get("/:name/history", async (c) => c.json(await admin.history(c.req.param("name"))));
  routes.put("/:name/tags/:tag", async (c) => {
    const { name, tag } = c.req.param();
    return c.json(await admin.setTag(name, tag, await jsonBody(c.req.raw), by(c.env)));
  });
  routes.delete("/:name/tags/:tag", async (c) => {
    const { name, tag } = c.req.param();
    return c.json(await admin.deleteTag(name, tag, by(c.env)));
  });
  routes.put("/:name/traffic", async (c) =>
    c.json(await admin.setTraffic(c.req.param("name"), await jsonBody(c.req.raw), by(c.env))),
  );
  routes.delete("/:name/traffic", async (c) => c.json(await admin.endTraffic(c.req.param("name"), by(c.env))));
  return routes;
}
