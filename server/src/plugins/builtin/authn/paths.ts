import { isPublicRoute } from "../../../util/public-routes.ts";

/**
 * Decides which requests need no token: the public routes (docs/routes.md#internal-routes: `GET`/`HEAD` of
 * `/_/health`, `/_/ready`, `/_/authn/well-known`) and the configured `excludePaths`. Globs use `Bun.Glob`: `*` stays within a segment, `**` crosses
 * segments (`/public/**` matches `/public/a/b`, not `/public`).
 *
 * The path is matched as the URL parser left it (dot segments resolved, percent-escapes kept),
 * the same string app routing reads, so an exemption never covers a different app than it names.
 *
 * @example
 * const exempt = exemptions(["/public/**"]);
 * exempt("GET", "/public/logo.svg"); // true
 */
export function exemptions(excludePaths: readonly string[]): (method: string, path: string) => boolean {
  const globs = excludePaths.map((pattern) => new Bun.Glob(pattern));
  return (method, path) => isPublicRoute(method, path) || globs.some((glob) => glob.match(path));
}
