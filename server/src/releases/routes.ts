/**
 * `/_/apps/<name>…` (docs/releases.md): tags, the traffic split and their history. Writes need
 * role `deployer` (admin/roles.ts, enforced before these run); every write is validated against
 * the versions on disk, then applied and recorded by the store, and answers 200 with the app's
 * state, served from the moment of the answer (the node's routing view is refreshed first).
 */
import { formatIssues } from "@buntime/sdk";
import { Hono } from "hono";
import semver from "semver";
import { z } from "zod";
import type { AppCatalog } from "../apps/catalog.ts";
import { BuntimeError, errorResponse, toBuntimeError } from "../errors.ts";
import { StoreError } from "../store/keys.ts";
import { type AppRelease, EMPTY_RELEASE, isTagName, type RequestedChange, trafficSchema } from "../store/releases.ts";
import type { Releases } from "./releases.ts";

/** What the pipeline hands internal routes (Hono's `env`): who is asking, for the history. */
export interface CallerEnv {
  Bindings: { caller?: string };
}

const tagBody = z.strictObject({ version: z.string() });

function invalid(message: string): BuntimeError {
  return new BuntimeError("REQUEST_INVALID", message);
}

async function jsonBody(request: Request): Promise<unknown> {
  try {
    return await request.json();
  } catch {
    throw invalid("the body is not JSON");
  }
}

/** The `/_/apps` routes, to mount at `/_/apps`. */
export function releaseRoutes(deps: { catalog: AppCatalog; releases: Releases }): Hono<CallerEnv> {
  const { catalog, releases } = deps;
  const { store } = releases;
  const routes = new Hono<CallerEnv>();
  routes.onError((error) =>
    errorResponse(
      error instanceof StoreError ? new BuntimeError("STORE_UNAVAILABLE", error.message) : toBuntimeError(error),
    ),
  );

  /** The versions of `name` on disk, sorted; 404 when there is no such app. */
  function versionsOf(name: string): string[] {
    const versions = catalog.versions(name);
    if (!versions) throw new BuntimeError("APP_NOT_FOUND", `no app named "${name.slice(0, 80)}"`);
    return semver.sort([...versions]);
  }

  async function current(name: string): Promise<AppRelease> {
    return (await store.list()).get(name) ?? EMPTY_RELEASE;
  }

  function describe(name: string, versions: string[], release: AppRelease) {
    return { name, versions, tags: release.tags, traffic: release.traffic };
  }

  /** Applies a validated change and answers with the new state. */
  async function write(name: string, versions: string[], change: RequestedChange, caller: string | undefined) {
    const next = await store.change(name, change, caller ?? "unknown");
    await releases.refresh();
    return describe(name, versions, next ?? (await current(name)));
  }

  routes.get("/:name", async (c) => {
    const name = c.req.param("name");
    return c.json(describe(name, versionsOf(name), await current(name)));
  });

  routes.get("/:name/history", async (c) => {
    const name = c.req.param("name");
    versionsOf(name);
    return c.json((await current(name)).history);
  });

  routes.put("/:name/tags/:tag", async (c) => {
    const { name, tag } = c.req.param();
    const versions = versionsOf(name);
    if (!isTagName(tag)) {
      throw invalid(
        `"${tag.slice(0, 40)}" is not a tag name: 1-32 of a-z 0-9 -, starting with a letter, and never a semver range`,
      );
    }
    const parsed = tagBody.safeParse(await jsonBody(c.req.raw));
    if (!parsed.success) throw invalid(`invalid tag: ${formatIssues(parsed.error)}`);
    const { version } = parsed.data;
    if (!versions.includes(version)) throw invalid(`${name} has no version "${version.slice(0, 80)}"`);
    return c.json(await write(name, versions, { action: "tag", tag, version }, c.env?.caller));
  });

  routes.delete("/:name/tags/:tag", async (c) => {
    const { name, tag } = c.req.param();
    const versions = versionsOf(name);
    if (!Object.hasOwn((await current(name)).tags, tag)) {
      throw new BuntimeError("NOT_FOUND", `${name} has no tag "${tag.slice(0, 40)}"`);
    }
    return c.json(await write(name, versions, { action: "untag", tag }, c.env?.caller));
  });

  routes.put("/:name/traffic", async (c) => {
    const name = c.req.param("name");
    const versions = versionsOf(name);
    const parsed = trafficSchema.safeParse(await jsonBody(c.req.raw));
    if (!parsed.success) throw invalid(`invalid traffic split: ${formatIssues(parsed.error)}`);
    const unknown = Object.keys(parsed.data).filter((v) => !versions.includes(v));
    if (unknown.length > 0) throw invalid(`${name} has no version ${unknown.map((v) => `"${v}"`).join(", ")}`);
    return c.json(await write(name, versions, { action: "traffic", traffic: parsed.data }, c.env?.caller));
  });

  routes.delete("/:name/traffic", async (c) => {
    const name = c.req.param("name");
    // No split to end: 200 with the state as it is, nothing recorded.
    return c.json(await write(name, versionsOf(name), { action: "end-traffic" }, c.env?.caller));
  });
  return routes;
}
