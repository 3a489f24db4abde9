import { expect, test } from "bun:test";
import { decodeIdentity, encodeIdentity, identityFromClaims } from "./claims.ts";

const keycloakClaims = {
  sub: "f1c2",
  preferred_username: "ana",
  realm_access: { roles: ["user", "admin"] },
  resource_access: { buntime: { roles: ["reader", "user"] }, account: { roles: ["view-profile"] } },
  groups: ["/staff"],
  exp: 1,
};

test("Keycloak realm roles and the configured client's roles, without duplicates", () => {
  const identity = identityFromClaims(keycloakClaims, "buntime");
  expect(identity.sub).toBe("f1c2");
  expect(identity.username).toBe("ana");
  expect(identity.roles).toEqual(["user", "admin", "reader"]);
  expect(identity.groups).toEqual(["/staff"]);
  expect(identity.claims).toEqual(keycloakClaims);
});

test("other clients' roles do not count; without clientId only realm roles", () => {
  expect(identityFromClaims(keycloakClaims, undefined).roles).toEqual(["user", "admin"]);
  expect(identityFromClaims(keycloakClaims, "other").roles).toEqual(["user", "admin"]);
});

test("a plain roles claim counts; odd shapes are ignored, not trusted", () => {
  const identity = identityFromClaims(
    { sub: "x", roles: ["a", 1, null], realm_access: "admin", resource_access: { c: { roles: "b" } }, groups: {} },
    "c",
  );
  expect(identity.roles).toEqual(["a"]);
  expect(identity.groups).toEqual([]);
  expect(identity.username).toBeUndefined();
});

test("the header is base64url JSON with sub, username, roles, claims", () => {
  const identity = identityFromClaims({ ...keycloakClaims, name: "Ána ✓" }, "buntime");
  const header = encodeIdentity(identity);
  expect(header).toMatch(/^[A-Za-z0-9_-]+$/);
  expect(decodeIdentity(header)).toEqual(identity);
});

test("a token's own claims in the runtime's namespace (buntime:*) are dropped: it cannot pass for an API key", () => {
  const identity = identityFromClaims({ sub: "ci", "buntime:credential": "api-key", email: "a@b.c" }, undefined);
  expect(identity.claims).toEqual({ sub: "ci", email: "a@b.c" });
});
