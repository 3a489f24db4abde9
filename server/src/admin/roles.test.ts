import { describe, expect, test } from "bun:test";
import { highestRole, requiredRole, roleAtLeast } from "./roles.ts";

describe("requiredRole: the route → role table", () => {
  const table: [string, string, ReturnType<typeof requiredRole>][] = [
    ["GET", "/_/health", "public"],
    ["HEAD", "/_/health", "public"],
    ["GET", "/_/ready", "public"],
    ["HEAD", "/_/ready", "public"],
    ["GET", "/_/authn/well-known", "public"],
    ["POST", "/_/health", "admin"],
    ["POST", "/_/authn/well-known", "admin"],
    ["GET", "/_/health/x", "viewer"],
    ["GET", "/_", "viewer"],
    ["GET", "/_/stats", "viewer"],
    ["HEAD", "/_/stats", "viewer"],
    ["GET", "/_/metrics", "viewer"],
    ["GET", "/_/metrics/prometheus", "viewer"],
    ["GET", "/_/sse", "viewer"],
    ["GET", "/_/deployments", "viewer"],
    ["GET", "/_/deployments/hello/1.0.0", "viewer"],
    ["GET", "/_/authz/policies", "viewer"],
    ["GET", "/_/no-such-route", "viewer"],
    ["POST", "/_/deployments/hello/1.0.0", "deployer"],
    ["PUT", "/_/deployments/hello/1.0.0", "deployer"],
    ["DELETE", "/_/deployments/hello/1.0.0", "deployer"],
    ["PUT", "/_/apps/hello/tags/latest", "deployer"],
    ["DELETE", "/_/apps/hello/tags/beta", "deployer"],
    ["PUT", "/_/apps/hello/traffic", "deployer"],
    ["DELETE", "/_/apps/hello/traffic", "deployer"],
    ["POST", "/_/apps/hello/rollback", "deployer"],
    ["PUT", "/_/apps/hello/other", "admin"],
    ["GET", "/_/keys", "admin"],
    ["POST", "/_/keys", "admin"],
    ["DELETE", "/_/keys/ci", "admin"],
    ["GET", "/_/keysx", "viewer"],
    ["POST", "/_/authz/policies", "admin"],
    ["PUT", "/_/authz/policies/p1", "admin"],
    ["DELETE", "/_/authz/policies/p1", "admin"],
    ["POST", "/_/authz/explain", "admin"],
    ["POST", "/_/deploymentsx/a", "admin"],
    ["OPTIONS", "/_/stats", "admin"],
    ["POST", "/_/no-such-route", "admin"],
    ["GET", "/_/dashboard/login", "public"],
    ["HEAD", "/_/dashboard/login", "public"],
    ["GET", "/_/dashboard/assets/client.js", "public"],
    ["GET", "/_/dashboard/assets/../../stats", "viewer"],
    ["POST", "/_/dashboard/login", "admin"],
    ["GET", "/_/dashboard", "viewer"],
    ["GET", "/_/dashboard/apps/hello", "viewer"],
    ["GET", "/_/dashboard/history", "viewer"],
    ["POST", "/_/dashboard/session", "viewer"],
    ["DELETE", "/_/dashboard/session", "viewer"],
    ["PUT", "/_/dashboard/session/x", "admin"],
    ["GET", "/hello/", undefined],
    ["POST", "/_x/deployments", undefined],
    // Paths are judged percent-decoded: a line break (%0A, %0D, %E2%80%A8) is a character like
    // any other, never the end of an admin route.
    ["DELETE", "/_/keys/ci\n", "admin"],
    ["GET", "/_/keys\n", "viewer"], // not /_/keys (a route that does not exist)
    ["GET", "/_/stats\r", "viewer"],
    ["POST", "/_/notes/x\n", "admin"],
    ["POST", "/_/deployments/a/1.0.0\u2028", "deployer"],
    ["POST", "/_\n", undefined], // no `/_/` path: an app name, and none is valid
  ];
  for (const [method, path, role] of table) {
    test(`${method} ${JSON.stringify(path)} → ${role}`, () => expect(requiredRole(method, path)).toBe(role));
  }
  test("methods are case-insensitive", () => expect(requiredRole("get", "/_/health")).toBe("public"));
});

describe("roles", () => {
  test("each role includes the ones below it", () => {
    expect(roleAtLeast("admin", "deployer")).toBe(true);
    expect(roleAtLeast("deployer", "deployer")).toBe(true);
    expect(roleAtLeast("deployer", "admin")).toBe(false);
    expect(roleAtLeast("viewer", "deployer")).toBe(false);
  });
  test("highestRole picks the highest admin role and ignores others", () => {
    expect(highestRole(["user", "deployer", "viewer"])).toBe("deployer");
    expect(highestRole(["admin", "viewer"])).toBe("admin");
    expect(highestRole(["user", "reader"])).toBeUndefined();
    expect(highestRole([])).toBeUndefined();
  });
});

test("docs/admin.md documents every row of the table, in order", async () => {
  const { ROUTE_RULES } = await import("./roles.ts");
  const doc = await Bun.file(new URL("../../../docs/admin.md", import.meta.url)).text();
  const lines = doc.split("\n");
  let from = 0;
  for (const rule of ROUTE_RULES) {
    const at = lines.findIndex((line, i) => i >= from && line.startsWith("|") && line.includes(`| ${rule.note} `));
    const row = lines[at] ?? "";
    expect({ rule: rule.note, row: at >= 0 && row.includes(`\`${rule.role}\``) }).toEqual({
      rule: rule.note,
      row: true,
    });
    from = at + 1;
  }
});
