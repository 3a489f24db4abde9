import { isInternalPath } from "./internal-path.ts";

/**
 * A path as rules judge a request's (`ctx.path` in http/pipeline.ts; the authz plugin's
 * explain): an app route's first segment is the app's name alone, whatever range or tag follows
 * `@`; `/_/` paths as they are.
 *
 * @example
 * judgedPath("/echo@^1.2/admin"); // "/echo/admin"
 */
export function judgedPath(path: string): string {
  if (isInternalPath(path)) return path;
  const slash = path.indexOf("/", 1);
  const segment = slash === -1 ? path.slice(1) : path.slice(1, slash);
  const at = segment.indexOf("@");
  if (at === -1) return path;
  return `/${segment.slice(0, at)}${slash === -1 ? "" : path.slice(slash)}`;
}
