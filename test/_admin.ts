/**
 * Shared by the admin-access tests: the admin routes with the role each needs, and a set of
 * credentials (API keys of every role, a revoked one, an expired one, a wrong one) in a server's
 * key store.
 */
import { expect } from "bun:test";
import { generateKey, hashSecret } from "../server/src/admin/key-format.ts";
import { createKey } from "../server/src/admin/keys-routes.ts";
import type { Role } from "../server/src/admin/roles.ts";
import type { KeyStore } from "../server/src/store/keys.ts";
import { TEST_ADMIN_TOKEN } from "./_setup.ts";

/** One admin route: what to send, the role it needs, and the answer once let through. */
export interface AdminRoute {
  method: string;
  path: string;
  role: Role;
  body?: string;
  headers?: Record<string, string>;
  /** The route's own status (or statuses) when the guard lets the request through. */
  passes: number | number[];
}

/** Every admin route of the runtime (plugins' routes are added per configuration). */
export const ADMIN_ROUTES: readonly AdminRoute[] = [
  { method: "GET", path: "/_/stats", role: "viewer", passes: 200 },
  { method: "HEAD", path: "/_/stats", role: "viewer", passes: 200 },
  { method: "GET", path: "/_/metrics", role: "viewer", passes: 200 },
  { method: "GET", path: "/_/sse", role: "viewer", passes: 200 },
  { method: "GET", path: "/_/deployments", role: "viewer", passes: 200 },
  { method: "GET", path: "/_/deployments/hello/1.0.0", role: "viewer", passes: 200 },
  { method: "GET", path: "/_/no-such-route", role: "viewer", passes: 404 },
  // Bodies that the route refuses: nothing on disk changes whoever gets through.
  {
    method: "POST",
    path: "/_/deployments/guarded/1.0.0",
    role: "deployer",
    body: "not gzip",
    headers: { "content-type": "application/gzip" },
    passes: 400,
  },
  {
    method: "PUT",
    path: "/_/deployments/guarded/1.0.0",
    role: "deployer",
    body: "not gzip",
    headers: { "content-type": "application/gzip" },
    passes: 400,
  },
  { method: "DELETE", path: "/_/deployments/guarded/9.9.9", role: "deployer", passes: 404 },
  // Releases (docs/releases.md): bodies the routes refuse, so nothing changes whoever gets through.
  { method: "GET", path: "/_/apps/hello", role: "viewer", passes: 200 },
  { method: "GET", path: "/_/apps/hello/history", role: "viewer", passes: 200 },
  { method: "PUT", path: "/_/apps/hello/tags/latest", role: "deployer", body: "{}", passes: 400 },
  { method: "DELETE", path: "/_/apps/hello/tags/no-such-tag", role: "deployer", passes: 404 },
  { method: "PUT", path: "/_/apps/hello/traffic", role: "deployer", body: '{"1.0.0": 50}', passes: 400 },
  // Logs (docs/logs.md).
  { method: "GET", path: "/_/logs?app=hello", role: "viewer", passes: 200 },
  { method: "GET", path: "/_/keys", role: "admin", passes: 200 },
  { method: "POST", path: "/_/keys", role: "admin", body: "{}", passes: 400 },
  { method: "DELETE", path: "/_/keys/no-such-key", role: "admin", passes: 404 },
  { method: "POST", path: "/_/no-such-route", role: "admin", passes: 404 },
];

/** Routes of `@buntime/authz`, added where it is on. */
export const AUTHZ_ROUTES: readonly AdminRoute[] = [
  { method: "GET", path: "/_/authz/policies", role: "viewer", passes: 200 },
  { method: "POST", path: "/_/authz/policies", role: "admin", body: "{}", passes: 400 },
];

export type CredentialName = "none" | "viewer" | "deployer" | "admin" | "token" | "revoked" | "expired" | "wrong";
export const CREDENTIALS: readonly CredentialName[] = [
  "none",
  "viewer",
  "deployer",
  "admin",
  "token",
  "revoked",
  "expired",
  "wrong",
];

/** Creates keys of every role, a revoked and an expired one; returns the headers to send each. */
export async function seedCredentials(store: KeyStore): Promise<Record<CredentialName, Record<string, string>>> {
  const bearer = (secret: string) => ({ authorization: `Bearer ${secret}` });
  const keys: Partial<Record<Role, string>> = {};
  for (const role of ["viewer", "deployer", "admin"] as const) {
    keys[role] = (await createKey(store, { name: `test-${role}`, role })).key;
  }
  const revoked = (await createKey(store, { name: "test-revoked", role: "admin" })).key;
  await store.remove("test-revoked");
  const expired = generateKey();
  const past = new Date(Date.now() - 60_000).toISOString();
  await store.create({
    name: "test-expired",
    role: "admin",
    hash: hashSecret(expired),
    created: past,
    expires: past,
    lastUsed: null,
  });
  return {
    none: {},
    viewer: bearer(keys.viewer as string),
    // X-API-Key is the other way to send a key.
    deployer: { "x-api-key": keys.deployer as string },
    admin: bearer(keys.admin as string),
    token: bearer(TEST_ADMIN_TOKEN),
    revoked: bearer(revoked),
    expired: bearer(expired),
    wrong: bearer(generateKey()),
  };
}

const RANK: Record<Role, number> = { viewer: 0, deployer: 1, admin: 2 };

/** What the guard answers `credential` on a route needing `role`: pass, or the error code. */
export function expected(credential: CredentialName, role: Role): "pass" | "UNAUTHENTICATED" | "FORBIDDEN" {
  if (credential === "none" || credential === "revoked" || credential === "expired" || credential === "wrong") {
    return "UNAUTHENTICATED";
  }
  const held: Role = credential === "token" ? "admin" : credential;
  return RANK[held] >= RANK[role] ? "pass" : "FORBIDDEN";
}

/** Sends `route` to `base` with `headers`. */
export async function send(base: URL, route: AdminRoute, headers: Record<string, string>): Promise<Response> {
  const res = await fetch(new URL(route.path, base), {
    method: route.method,
    headers: { ...route.headers, ...headers },
    body: route.body,
  });
  return res;
}

/** Asserts the answer is `outcome`, and reads (or cancels) the body so the socket is freed. */
export async function expectOutcome(
  res: Response,
  route: AdminRoute,
  outcome: ReturnType<typeof expected>,
  label: string,
) {
  if (outcome === "pass") {
    await res.body?.cancel();
    const passes = Array.isArray(route.passes) ? route.passes : [route.passes];
    expect({ label, passed: passes.includes(res.status) }).toEqual({ label, passed: true });
    return;
  }
  const status = outcome === "UNAUTHENTICATED" ? 401 : 403;
  const body = route.method === "HEAD" ? undefined : ((await res.json()) as { error: { code: string } });
  expect({ label, status: res.status, code: body?.error.code ?? outcome }).toEqual({ label, status, code: outcome });
  if (outcome === "UNAUTHENTICATED") expect(res.headers.get("www-authenticate")).toStartWith("Bearer");
}
