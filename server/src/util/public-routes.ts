/**
 * The public routes (docs/routes.md#internal-routes): the only `/_/` requests that need no
 * credential under any configuration. Written once; `@buntime/authn`, `@buntime/authz` and the
 * admin guard all read this function, so the three can never disagree about which requests they let
 * through.
 */

/** `GET`/`HEAD` paths that are public. A dashboard's login page would join this list. */
export const PUBLIC_PATHS: readonly string[] = ["/_/health", "/_/ready", "/_/authn/well-known"];

const READS = new Set(["GET", "HEAD"]);

/**
 * Whether `method path` is a public route. `path` is the URL's pathname as routing reads it.
 *
 * @example
 * isPublicRoute("HEAD", "/_/health"); // true
 * isPublicRoute("POST", "/_/health"); // false
 */
export function isPublicRoute(method: string, path: string): boolean {
  return READS.has(method.toUpperCase()) && PUBLIC_PATHS.includes(path);
}
