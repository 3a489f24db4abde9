/** The route that tells clients where to get tokens; it never needs one. */
const WELL_KNOWN_PATH = "/_/authn/well-known";
const HEALTH_PATH = "/_/health";

/**
 * Decides which requests need no token: `GET /_/health`, `/_/authn/well-known` and the
 * configured `excludePaths`. Globs use `Bun.Glob`: `*` stays within a segment, `**` crosses
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
  return (method, path) =>
    (path === HEALTH_PATH && method === "GET") || path === WELL_KNOWN_PATH || globs.some((glob) => glob.match(path));
}
