import { Hono } from "hono";
import { redactConfig } from "../admin/redact.ts";
import type { AppCatalog } from "../apps/catalog.ts";
import { versionKey } from "../apps/version-key.ts";
import type { DeploymentWriter } from "../cluster/writer.ts";
import { BuntimeError, errorResponse, toBuntimeError } from "../errors.ts";
import type { WorkerPool } from "../pool/pool.ts";

/**
 * `/_/deployments` (docs/routes.md#deployments): list, show, POST (new, 409 if it exists), PUT (replace),
 * DELETE (drain and remove). A version is served from the moment the answer is sent.
 */
export function deploymentRoutes(deps: {
  catalog: AppCatalog;
  pool: WorkerPool;
  /** APPS_DIR's deployer, or the shared store's writer (cluster/writer.ts). */
  deployer: DeploymentWriter;
  /** What holds a version (a tag, the traffic split): its deletion is refused (docs/releases.md). */
  holderOf?: (name: string, version: string) => string | undefined;
}): Hono {
  const { catalog, pool, deployer } = deps;
  const routes = new Hono();
  routes.onError((error) => errorResponse(toBuntimeError(error)));

  routes.get("/", async (c) => {
    const apps = await Promise.all(
      catalog.names().map(async (name) => ({
        name,
        versions: await Promise.all((catalog.versions(name) ?? []).map((version) => describe(catalog, name, version))),
      })),
    );
    return c.json({ apps });
  });

  routes.get("/:name/:version", async (c) => {
    const { name, version } = c.req.param();
    if (!catalog.has(name, version)) {
      return errorResponse(new BuntimeError("VERSION_NOT_FOUND", `${versionKey(name, version)} is not deployed`));
    }
    return c.json(await describe(catalog, name, version));
  });

  const upload = (replace: boolean) => async (c: { req: { param: () => Record<string, string>; raw: Request } }) => {
    const { name = "", version = "" } = c.req.param();
    const { raw } = c.req;
    const { created } = await deployer.deploy(name, version, raw.body, raw.headers.get("content-type"), replace);
    catalog.refresh();
    if (!created) pool.retire(versionKey(name, version), "changed");
    return Response.json(await describe(catalog, name, version), { status: created ? 201 : 200 });
  };
  routes.post("/:name/:version", upload(false));
  routes.put("/:name/:version", upload(true));

  routes.delete("/:name/:version", async (c) => {
    const { name, version } = c.req.param();
    const holder = deps.holderOf?.(name, version);
    if (holder !== undefined) {
      const message = `${versionKey(name, version)} is held by ${holder}: move or delete it first`;
      return errorResponse(new BuntimeError("VERSION_IN_USE", message));
    }
    await deployer.remove(name, version);
    pool.retire(versionKey(name, version), "removed");
    catalog.refresh();
    return c.body(null, 204);
  });
  return routes;
}

/** One version as `/_/deployments/<name>/<version>` shows it: kind, entrypoint, config with env values redacted (or its load error). */
export async function describe(catalog: AppCatalog, name: string, version: string) {
  try {
    const app = await catalog.load(name, version);
    const entrypoint = app.entrypoint.slice(app.dir.length + 1);
    // App secrets: env names only, never values (admin/redact.ts).
    return { name, version, kind: app.kind, entrypoint, config: redactConfig(app.config) };
  } catch (error) {
    const { code, message } = toBuntimeError(error);
    return { name, version, error: { code, message } };
  }
}
