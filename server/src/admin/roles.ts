/**
 * Admin roles and the route → role table (docs/admin.md). The table is a pure function of the
 * method and the path, written once here and documented in `docs/admin.md`.
 */

import { ROLES, type Role } from "../store/keys.ts";
import { isInternalPath } from "../util/internal-path.ts";
import { isPublicRoute } from "../util/public-routes.ts";

// Roles, lowest first: each may do everything the ones before it may (the list lives with the
// key record that stores one).
export { ROLES, type Role };

/** Whether `held` is at least `needed`. */
export function roleAtLeast(held: Role, needed: Role): boolean {
  return ROLES.indexOf(held) >= ROLES.indexOf(needed);
}

/**
 * The highest admin role among `roles` (an OIDC token's realm and client roles, or a key's one
 * role), or undefined when none of them is `viewer`, `deployer` or `admin`.
 */
export function highestRole(roles: readonly string[]): Role | undefined {
  for (let i = ROLES.length - 1; i >= 0; i--) {
    const role = ROLES[i] as Role;
    if (roles.includes(role)) return role;
  }
  return undefined;
}

const READS = new Set(["GET", "HEAD"]);

/** One row of the table: the first row whose method and path match decides. */
interface RouteRule {
  /** `read` = GET and HEAD; `write` = every other method; `any` = both. */
  methods: "read" | "write" | "any";
  /** Matches the path: a `/_/…` prefix (the exact path or anything under it) or a pattern. */
  path: RegExp;
  role: Role;
  /** Why, for `docs/admin.md`. */
  note: string;
}

/**
 * `/_/x` itself or anything under it. The `s` flag lets `.` match line breaks too: the path is
 * percent-decoded, and without it `/_/keys/x%0A` was no admin route at all.
 */
const under = (prefix: string) => new RegExp(`^${prefix.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")}(?:/.*)?$`, "s");

/** The route → role table. Order matters: the first match wins. */
export const ROUTE_RULES: readonly RouteRule[] = [
  { methods: "any", path: under("/_/keys"), role: "admin", note: "API keys: listing them too" },
  { methods: "write", path: under("/_/authz"), role: "admin", note: "policy writes, evaluate, explain" },
  { methods: "read", path: /^\/_(?:\/.*)?$/s, role: "viewer", note: "every other read" },
  { methods: "write", path: under("/_/deployments"), role: "deployer", note: "deploy, replace, delete" },
  {
    methods: "write",
    path: /^\/_\/apps\/[^/]+\/(?:tags(?:\/[^/]+)?|traffic|rollback)$/,
    role: "deployer",
    note: "tags and the traffic split (a rollback is moving `latest`)",
  },
  {
    methods: "write",
    path: /^\/_\/dashboard\/session$/,
    role: "viewer",
    note: "dashboard sign-in and sign-out: any admin credential opens or ends its own session",
  },
  { methods: "write", path: /^\/_(?:\/.*)?$/s, role: "admin", note: "anything else that changes state" },
];

/**
 * The role `method path` needs, `"public"` for the public routes, or undefined for a path that
 * is not a `/_/` route at all (app routes have their own guards).
 *
 * @example
 * requiredRole("GET", "/_/stats");                         // "viewer"
 * requiredRole("POST", "/_/deployments/hello/1.0.0");      // "deployer"
 * requiredRole("DELETE", "/_/keys/ci");                    // "admin"
 */
export function requiredRole(method: string, path: string): Role | "public" | undefined {
  if (isPublicRoute(method, path)) return "public";
  const read = READS.has(method.toUpperCase());
  for (const rule of ROUTE_RULES) {
    if (rule.methods === "read" && !read) continue;
    if (rule.methods === "write" && read) continue;
    if (rule.path.test(path)) return rule.role;
  }
  // Fails closed: a `/_/` path no row matched is still an admin route.
  return isInternalPath(path) ? "admin" : undefined;
}

/** Whether the method changes state (everything but GET and HEAD). */
export function isStateChanging(method: string): boolean {
  return !READS.has(method.toUpperCase());
}
