/**
 * `DASHBOARD_HOST` (docs/dashboard.md#a-host-of-its-own): the dashboard on a host of its own, so
 * that no app's page ever runs on the origin its session cookie belongs to. With it set:
 *
 * - the dashboard (`/_/dashboard…`) answers on that host only: a GET or HEAD elsewhere is
 *   redirected there, anything else refused;
 * - a session cookie counts as a credential on that host only (the admin guard);
 * - apps are not served on that host (the pipeline): 404, and `/` goes to the dashboard.
 *
 * The `/_/` API with a key or token (the CLI, CI) answers on every host, as before.
 */
import { BuntimeError, errorResponse } from "../errors.ts";

/** `value` as the host part of a URL (`admin.example.com`, `admin.example.com:8443`, lowercased), or undefined when it is not one. */
export function parseHost(value: string): string | undefined {
  const url = URL.parse(`http://${value}`);
  if (!url || url.host === "" || url.username || url.password) return undefined;
  // Nothing but the host: `http://a/b`, `http://a?x` or `http://a#x` would parse too.
  if (url.pathname !== "/" || url.search || url.hash || value.includes("/")) return undefined;
  return url.host;
}

/** The host a request was made for, as its URL has it (from the Host header). */
export function hostOf(request: Request): string | undefined {
  return URL.parse(request.url)?.host;
}

/**
 * Whether the browser reached us over HTTPS: the URL's scheme, or a TLS-terminating proxy's
 * `X-Forwarded-Proto` (the Kubernetes ingress case). Trusting the header is safe where it is
 * used: it can only add `Secure` to a cookie, or make a redirect https.
 */
export function overHttps(request: Request): boolean {
  return (
    new URL(request.url).protocol === "https:" ||
    request.headers.get("x-forwarded-proto")?.split(",")[0]?.trim().toLowerCase() === "https"
  );
}

/** A dashboard request on another host than `host`: a GET or HEAD is sent there, anything else refused. */
export function toOwnHost(request: Request, host: string): Response {
  const url = new URL(request.url);
  const there = `${overHttps(request) ? "https:" : "http:"}//${host}${url.pathname}${url.search}`;
  if (request.method === "GET" || request.method === "HEAD") {
    return new Response(null, { status: 308, headers: { location: there, "cache-control": "no-store" } });
  }
  return errorResponse(new BuntimeError("FORBIDDEN", `the dashboard is served at ${host} only (DASHBOARD_HOST)`));
}

/** An app route on the dashboard's host: apps never run on its origin. */
export function noAppsHere(): Response {
  return errorResponse(
    new BuntimeError("APP_NOT_FOUND", "apps are not served on the dashboard's host (DASHBOARD_HOST)"),
  );
}
