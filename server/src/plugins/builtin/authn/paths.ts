import { isPublicRoute } from "../../../util/public-routes.ts";

/**
 * Decides which requests need no token: the public routes (docs/routes.md#internal-routes: `GET`/`HEAD` of
 * `/_/health`, `/_/ready`, `/_/authn/well-known`) and the configured `excludePaths`. Globs use `Bun.Glob`: `*` stays within a segment, `**` crosses
 * segments (`/public/**` matches `/public/a/b`, not `/public`).
 *
 * The path is `ctx.path`: dot segments resolved and percent-decoded as a router reads it (`%2F`
 * stays encoded), so an exemption covers what the app's router sees; for an app route, with the
 * app's name alone as its first segment (`/hello@1/x` is `/hello/x`: an exemption of an app's
 * paths holds whatever range a client writes). An app name is matched undecoded by app routing
 * (an escaped name never resolves), so an exemption never covers a different app than it names.
 *
 * @example
 * const exempt = exemptions(["/public/**"]);
 * exempt("GET", "/public/logo.svg"); // true
 */
export function exemptions(excludePaths: readonly string[]): (method: string, path: string) => boolean {
  const globs = excludePaths.map((pattern) => new Bun.Glob(pattern));
  return (method, path) => isPublicRoute(method, path) || globs.some((glob) => glob.match(path));
}
