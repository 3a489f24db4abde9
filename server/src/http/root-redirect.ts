import { DASHBOARD_PATH } from "../util/public-routes.ts";

/**
 * A browser opening `/` is sent to the dashboard (docs/dashboard.md): `/` names no app, so a
 * person who typed the server's address gets the page they came for instead of APP_NOT_FOUND
 * JSON. Only for a GET/HEAD that accepts HTML; a client asking for JSON still gets the error.
 */
export function rootRedirect(request: Request, path: string): Response | undefined {
  if (path !== "/" || (request.method !== "GET" && request.method !== "HEAD")) return undefined;
  if (!request.headers.get("accept")?.includes("text/html")) return undefined;
  return new Response(null, { status: 302, headers: { location: DASHBOARD_PATH } });
}
