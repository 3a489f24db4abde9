import type { ResolvedApp } from "@buntime/sdk";
import type { AppCatalog } from "../apps/catalog.ts";
import type { AppVersion } from "../apps/config.ts";
import { keyOf } from "../apps/version-key.ts";
import { BuntimeError } from "../errors.ts";
import type { WorkerPool } from "../pool/pool.ts";
import type { HeaderRecord } from "../protocol/protocol.ts";
import { chooseRange, stickyCookie } from "../releases/choose.ts";
import type { Releases } from "../releases/releases.ts";
import { limitBody } from "./body-limit.ts";
import { type AppTarget, parseTarget } from "./target.ts";
import { traceparentFor } from "./traceparent.ts";

/** What an app route resolved to, before any plugin runs; errors are answered after them. */
export interface AppResolution {
  target: AppTarget | undefined;
  app: AppVersion | undefined;
  /** Why it did not resolve (answered once the plugins let the request through). */
  error: BuntimeError | undefined;
  /**
   * What was resolved when a tag, `latest` or the traffic split chose the version (the exact
   * version; the pool resolves it again if the version is replaced), else the path's range.
   */
  range?: string;
  /** A sticky key the traffic split gave a client that had none: set as its cookie. */
  newSticky?: string;
}

/**
 * Resolves `/<name>[@<range>]/*` to an app version and loads its config (docs/routes.md#app-routes),
 * through the app's tags and traffic split when it has any (docs/releases.md: one map lookup when
 * it has none). Synchronous when the version is loaded already (the common case), a promise otherwise.
 */
export function resolveAppRequest(
  url: URL,
  catalog: AppCatalog,
  releases?: Releases,
  headers?: Headers,
): AppResolution | Promise<AppResolution> {
  let target: AppTarget | undefined;
  try {
    target = parseTarget(url.pathname, url.search);
    const route = releases?.route(target.name);
    let range = target.range;
    let newSticky: string | undefined;
    if (route !== undefined && headers !== undefined) {
      const choice = chooseRange(route, range, headers, catalog.versions(target.name) ?? []);
      range = choice.range;
      newSticky = choice.newSticky;
    }
    const app = catalog.resolveApp(target.name, range);
    if (!(app instanceof Promise)) return { target, app, error: undefined, range, newSticky };
    const found = target;
    return app.then(
      (loaded) => ({ target: found, app: loaded, error: undefined, range, newSticky }),
      (error) => failed(found, error),
    );
  } catch (error) {
    return failed(target, error);
  }
}

function failed(target: AppTarget | undefined, error: unknown): AppResolution {
  if (!(error instanceof BuntimeError)) throw error;
  return { target, app: undefined, error };
}

/** The part of an AppVersion that plugins see. */
export function resolvedApp(app: AppVersion | undefined): ResolvedApp | undefined {
  return app && { name: app.name, version: app.version, config: app.config };
}

/**
 * Forwards a resolved request to its app: checks the body size, strips the prefix and adds the
 * contract's headers. (A request that waits while its version is replaced is served by what
 * its range resolves to then: the pool retries it, see `ReplacedError`.)
 */
export function serveApp(
  request: Request,
  url: URL,
  target: AppTarget,
  app: AppVersion,
  requestId: string,
  deps: { pool: WorkerPool; maxBodySize: number },
  release: { range?: string; newSticky?: string } = {},
): Promise<Response> {
  // A record is about 0.3 µs cheaper per request than iterating pairs; repeated request
  // headers arrive combined either way (as the Fetch spec's iteration does), set-cookie aside.
  const headers = request.headers.toJSON() as HeaderRecord;
  headers["x-forwarded-prefix"] = target.prefix;
  headers["x-buntime-app"] = keyOf(app);
  headers["x-request-id"] = requestId;
  // W3C trace context: the client's when valid, else a new one (the app's log lines carry it).
  headers.traceparent = traceparentFor(headers.traceparent);
  const forward = {
    request: limitBody(request, deps.maxBodySize),
    url: url.origin + target.path,
    headers,
    range: release.range ?? target.range,
  };
  const answer = deps.pool.dispatch(app, forward);
  const { newSticky } = release;
  if (newSticky === undefined) return answer;
  return answer.then((response) => {
    response.headers.append("set-cookie", stickyCookie(app.name, newSticky));
    return response;
  });
}
