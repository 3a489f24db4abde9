import type { JWTPayload } from "jose";
import type { Identity } from "../identity.ts";

const strings = (value: unknown): string[] =>
  Array.isArray(value) ? value.filter((v): v is string => typeof v === "string") : [];

const record = (value: unknown): Record<string, unknown> =>
  typeof value === "object" && value !== null && !Array.isArray(value) ? (value as Record<string, unknown>) : {};

/**
 * The identity a verified token establishes. Roles are Keycloak's realm roles
 * (`realm_access.roles`), the client roles of `clientId` (`resource_access.<clientId>.roles`)
 * and a plain `roles` claim (other providers), without duplicates; groups are the `groups` claim.
 *
 * @example
 * identityFromClaims({ sub: "u1", preferred_username: "ana", realm_access: { roles: ["admin"] } }, undefined);
 * // { sub: "u1", username: "ana", roles: ["admin"], groups: [], claims: {…} }
 */
export function identityFromClaims(claims: JWTPayload, clientId: string | undefined): Identity {
  const realmRoles = strings(record(claims.realm_access).roles);
  const clientRoles = clientId === undefined ? [] : strings(record(record(claims.resource_access)[clientId]).roles);
  return {
    sub: String(claims.sub),
    username: typeof claims.preferred_username === "string" ? claims.preferred_username : undefined,
    roles: [...new Set([...realmRoles, ...clientRoles, ...strings(claims.roles)])],
    groups: strings(claims.groups),
    claims: withoutReserved(claims),
  };
}

/**
 * The runtime's own claims start with `buntime:` (`buntime:credential` marks an API key's or the
 * admin token's identity, admin/guard.ts): a token's are dropped, so a policy that tells a key
 * from a person by it cannot be fooled by a token carrying the claim itself.
 */
function withoutReserved(claims: JWTPayload): Record<string, unknown> {
  return Object.fromEntries(Object.entries(claims).filter(([name]) => !name.startsWith("buntime:")));
}

/** The `x-buntime-identity` header value: base64url of the identity's JSON. */
export function encodeIdentity(identity: Identity): string {
  return Buffer.from(JSON.stringify(identity)).toString("base64url");
}

/** Reads an `x-buntime-identity` header value (what apps do). */
export function decodeIdentity(header: string): Identity {
  return JSON.parse(Buffer.from(header, "base64url").toString("utf8")) as Identity;
}
