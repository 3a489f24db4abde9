/**
 * The public routes (docs/routes.md#internal-routes): the only `/_/` requests that need no
 * credential under any configuration. Written once; `@buntime/authn`, `@buntime/authz` and the
 * admin guard all read this function, so the three can never disagree about which requests they let
 * through.
 */
import { INTERNAL_PREFIX } from "./internal-path.ts";

/** The dashboard's home (docs/dashboard.md). */
export const DASHBOARD_PATH = `${INTERNAL_PREFIX}/dashboard`;

/** The dashboard's sign-in page: public, so a browser without a session can get one. */
export const DASHBOARD_LOGIN_PATH = `${DASHBOARD_PATH}/login`;

/** `GET`/`HEAD` paths that are public. */
export const PUBLIC_PATHS: readonly string[] = [
  `${INTERNAL_PREFIX}/health`,
  `${INTERNAL_PREFIX}/ready`,
  `${INTERNAL_PREFIX}/authn/well-known`,
  DASHBOARD_LOGIN_PATH,
];

/**
 * `GET`/`HEAD` path prefixes that are public: the dashboard's static files (its stylesheet,
 * client script and uPlot), which the login page needs and which hold no data.
 */
export const PUBLIC_PREFIXES: readonly string[] = [`${DASHBOARD_PATH}/assets/`];

const READS = new Set(["GET", "HEAD"]);

/**
 * Whether `method path` is a public route. `path` is the URL's pathname as routing reads it.
 *
 * @example
 * isPublicRoute("HEAD", "/_/health"); // true
 * isPublicRoute("POST", "/_/health"); // false
 */
export function isPublicRoute(method: string, path: string): boolean {
  if (!READS.has(method.toUpperCase())) return false;
  return (
    PUBLIC_PATHS.includes(path) || PUBLIC_PREFIXES.some((prefix) => path.startsWith(prefix) && !path.includes(".."))
  );
}

/** Whether `path` is one of the dashboard's pages (HTML, not an asset or the session route). */
export function isDashboardPage(path: string): boolean {
  return path === DASHBOARD_PATH || path === `${DASHBOARD_PATH}/` || path.startsWith(`${DASHBOARD_PATH}/apps/`);
}
