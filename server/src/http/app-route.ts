import type { AppCatalog } from "../apps/catalog.ts";
import { BuntimeError, errorResponse, toBuntimeError } from "../errors.ts";
import type { WorkerPool } from "../pool/pool.ts";
import type { HeaderList } from "../pool/protocol.ts";
import { ReplacedError } from "../pool/version-pool.ts";
import { limitBody } from "./body-limit.ts";
import { parseTarget } from "./target.ts";

export interface AppRouteDeps {
  catalog: AppCatalog;
  pool: WorkerPool;
  maxBodySize: number;
}

const REQUEST_ID = /^[\w.:@/+=-]{1,200}$/;

/**
 * Serves `/<name>[@<range>]/*`: resolves the version, checks the body size, forwards the
 * request with the prefix removed and the contract's headers, and stamps the response.
 */
export function createAppHandler(deps: AppRouteDeps): (request: Request) => Promise<Response> {
  return async (request) => {
    const clientId = request.headers.get("x-request-id");
    const requestId = clientId && REQUEST_ID.test(clientId) ? clientId : crypto.randomUUID();
    let appLabel: string | undefined;
    let response: Response;
    try {
      const url = new URL(request.url);
      const target = parseTarget(url.pathname, url.search);
      const versions = deps.catalog.versions(target.name);
      if (versions === undefined) throw new BuntimeError("APP_NOT_FOUND", `no app named "${target.name}"`);
      const resolution = deps.catalog.resolve(target.name, versions, target.range);
      if (!resolution.ok) {
        throw resolution.code === "INVALID_VERSION"
          ? new BuntimeError("INVALID_VERSION", `"${target.range}" is not a version or range`)
          : new BuntimeError("VERSION_NOT_FOUND", `${target.name} has no version matching "${target.range ?? "*"}"`);
      }
      appLabel = `${target.name}@${resolution.version}`;
      const headers: HeaderList = [];
      for (const [key, value] of request.headers) {
        if (key !== "x-request-id" && key !== "x-forwarded-prefix" && key !== "x-buntime-app") {
          headers.push([key, value]);
        }
      }
      headers.push(["x-forwarded-prefix", target.prefix], ["x-buntime-app", appLabel], ["x-request-id", requestId]);
      const forward = { request: limitBody(request, deps.maxBodySize), url: url.origin + target.path, headers };
      for (let attempt = 1; ; attempt++) {
        const app = await deps.catalog.load(target.name, resolution.version);
        try {
          response = await deps.pool.dispatch(app, forward);
          break;
        } catch (error) {
          // The version was replaced on disk while this request waited: serve it from the new one.
          if (!(error instanceof ReplacedError) || attempt >= 3) throw error;
        }
      }
    } catch (error) {
      response = errorResponse(toBuntimeError(error));
    }
    response.headers.set("x-request-id", requestId);
    if (appLabel) response.headers.set("x-buntime-app", appLabel);
    return response;
  };
}
