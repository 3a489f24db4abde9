import { isAppName } from "../apps/resolve.ts";
import { BuntimeError } from "../errors.ts";

/** `/<name>[@<range>]/<rest>` taken apart. */
export interface AppTarget {
  name: string;
  /** The decoded range after `@`, or undefined for none. */
  range: string | undefined;
  /** The raw first path segment, as the client wrote it: the `x-forwarded-prefix`. */
  prefix: string;
  /** What the app sees: the rest of the path (at least `/`) plus the query. */
  path: string;
}

/**
 * Parses an app route from a request's raw path and query (docs/routes.md#app-routes). Pure.
 * @throws BuntimeError APP_NOT_FOUND for an impossible name, INVALID_VERSION for a bad encoding
 */
export function parseTarget(pathname: string, search: string): AppTarget {
  const slash = pathname.indexOf("/", 1);
  const segment = slash === -1 ? pathname.slice(1) : pathname.slice(1, slash);
  const rest = slash === -1 ? "/" : pathname.slice(slash);
  const at = segment.indexOf("@");
  const name = at === -1 ? segment : segment.slice(0, at);
  if (!isAppName(name)) throw new BuntimeError("APP_NOT_FOUND", `no app named "${safe(name)}"`);
  let range: string | undefined;
  if (at !== -1) {
    try {
      range = decodeURIComponent(segment.slice(at + 1));
    } catch {
      throw new BuntimeError("INVALID_VERSION", `"${safe(segment.slice(at + 1))}" is not a version or range`);
    }
  }
  return { name, range, prefix: `/${segment}`, path: rest + search };
}

/**
 * The URL of a request as Bun.serve hands it over, checked: Bun builds `request.url` from the
 * `Host` header without validating it (no Host, as HTTP/1.0 allows, or one it cannot use leaves
 * a bare path; one that is not a host makes an unparsable URL) and passes CONNECT's `host:port`
 * through as the URL.
 * @throws BuntimeError REQUEST_INVALID for those; the message does not repeat the client's text
 */
export function requestUrl(request: Request): URL {
  const url = URL.parse(request.url);
  if (!url) throw new BuntimeError("REQUEST_INVALID", "a Host header with a valid host[:port] is required");
  if (url.protocol !== "http:" && url.protocol !== "https:") {
    throw new BuntimeError("REQUEST_INVALID", "the request target must be a path (CONNECT is not served)");
  }
  return url;
}

function safe(text: string): string {
  return text.length > 80 ? `${text.slice(0, 80)}…` : text;
}
