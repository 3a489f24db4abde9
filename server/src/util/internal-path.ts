/**
 * Where the runtime's own routes and the plugins' routes live (docs/routes.md). No app can be
 * shadowed: an app name starts with a letter or digit, never `_`.
 */
export const INTERNAL_PREFIX = "/_";

/** Whether `path` is an internal route: `/_` itself or anything under `/_/`. */
export function isInternalPath(path: string): boolean {
  return (
    path.startsWith(INTERNAL_PREFIX) && (path.length === INTERNAL_PREFIX.length || path[INTERNAL_PREFIX.length] === "/")
  );
}

/** Where a plugin's `routes` are mounted: `/_/<name without its npm scope>` (`@buntime/authz` → `/_/authz`). */
export function pluginRoutePrefix(pluginName: string): string {
  return `${INTERNAL_PREFIX}/${pluginName.replace(/^@[^/]+\//, "")}`;
}
