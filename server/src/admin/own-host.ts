/**
 * `DASHBOARD_HOST` (docs/dashboard.md#a-host-of-its-own): the dashboard on a host of its own, so
 * that no app's page ever runs on the origin its session cookie belongs to. With it set:
 *
 * - the dashboard (`/_/dashboard…`) answers on that host only: a GET or HEAD elsewhere is
 *   redirected there, anything else refused (the pipeline, before the admin guard);
 * - apps are not served on that host (the pipeline): 404, and `/` goes to the dashboard;
 * - a session cookie counts as a credential on that host only (the admin guard), and over HTTPS
 *   it is `__Host-` prefixed, so no other host of the site can set one the server would read.
 *
 * The `/_/` API with a key or token (the CLI, CI) answers on every host, as before. Hosts are
 * compared in one canonical form (`canonicalHost`): the Host header as the URL parser leaves it
 * (lowercase, `:80` dropped), without a trailing dot or `:443`.
 */
import { BuntimeError, errorResponse } from "../errors.ts";
import { INTERNAL_PREFIX } from "../util/internal-path.ts";
import { DASHBOARD_PATH } from "../util/public-routes.ts";
import { SESSION_COOKIE } from "./sessions.ts";

/** `host` (a URL's `host`) without a trailing dot or a default port: `Admin.test.:443` and `admin.test` are one host. */
export function canonicalHost(host: string): string {
  let canonical = host;
  if (canonical.endsWith(":80")) canonical = canonical.slice(0, -3);
  else if (canonical.endsWith(":443")) canonical = canonical.slice(0, -4);
  return canonical.endsWith(".") ? canonical.slice(0, -1) : canonical;
}

/** `value` as a canonical host (`admin.example.com`, `admin.example.com:8443`), or undefined when it is not one. */
export function parseHost(value: string): string | undefined {
  const url = URL.parse(`http://${value}`);
  if (!url || url.host === "" || url.username || url.password) return undefined;
  // Nothing but the host: `http://a/b`, `http://a?x` or `http://a#x` would parse too.
  if (url.pathname !== "/" || url.search || url.hash || value.includes("/")) return undefined;
  return canonicalHost(url.host);
}

/** The canonical host a request was made for (from its Host header, as its URL has it). */
export function hostOf(request: Request): string | undefined {
  const url = URL.parse(request.url);
  return url ? canonicalHost(url.host) : undefined;
}

/**
 * Whether the browser reached us over HTTPS: the URL's scheme, or a TLS-terminating proxy's
 * `X-Forwarded-Proto` (the Kubernetes ingress case). Trusting the header is safe where it is
 * used: it can only make a cookie `Secure` (and `__Host-`), or a redirect https.
 */
export function overHttps(request: Request): boolean {
  return (
    new URL(request.url).protocol === "https:" ||
    request.headers.get("x-forwarded-proto")?.split(",")[0]?.trim().toLowerCase() === "https"
  );
}

/** The session cookie's name and scope for `request` (see the file's comment). */
export function sessionCookie(
  request: Request,
  dashboardHost: string | undefined,
): { name: string; path: string; secure: boolean } {
  const secure = overHttps(request);
  // `__Host-`: Secure, Path=/ and no Domain, or the browser refuses it; set only by this very host.
  if (dashboardHost !== undefined && secure) return { name: `__Host-${SESSION_COOKIE}`, path: "/", secure };
  return { name: SESSION_COOKIE, path: `${INTERNAL_PREFIX}/`, secure };
}

/**
 * What the pipeline answers for DASHBOARD_HOST, before anything else runs, or undefined to go on:
 * an app route on the dashboard's host is refused; a dashboard route on another host is sent
 * there (GET, HEAD) or refused. `path`: a `/_/` route's path as its router matches it
 * (percent-decoded), undefined for an app route.
 */
export function ownHostAnswer(
  request: Request,
  url: URL,
  path: string | undefined,
  dashboardHost: string,
): Response | undefined {
  const onIt = canonicalHost(url.host) === dashboardHost;
  if (path === undefined) {
    return onIt
      ? errorResponse(new BuntimeError("APP_NOT_FOUND", "apps are not served on the dashboard's host (DASHBOARD_HOST)"))
      : undefined;
  }
  if (onIt || (path !== DASHBOARD_PATH && !path.startsWith(`${DASHBOARD_PATH}/`))) return undefined;
  if (request.method === "GET" || request.method === "HEAD") {
    const there = `${overHttps(request) ? "https:" : "http:"}//${dashboardHost}${url.pathname}${url.search}`;
    return new Response(null, { status: 308, headers: { location: there, "cache-control": "no-store" } });
  }
  return errorResponse(
    new BuntimeError("FORBIDDEN", `the dashboard is served at ${dashboardHost} only (DASHBOARD_HOST)`),
  );
}
