import type { RequestContext } from "@buntime/sdk";

/**
 * The verified caller, as `@buntime/authn` establishes it and `@buntime/authz` reads it.
 * Reaches apps base64url-encoded in `x-buntime-identity`.
 */
export interface Identity {
  sub: string;
  username: string | undefined;
  /** Realm roles and, for Keycloak, the client's roles. */
  roles: string[];
  /** Group names (Keycloak's `groups` claim, when mapped). */
  groups: string[];
  /** Every claim of the verified token. */
  claims: Record<string, unknown>;
}

const IDENTITY = "buntime.identity";

/** The identity authn verified for this request, if any. */
export function getIdentity(ctx: RequestContext): Identity | undefined {
  return ctx.vars.get(IDENTITY) as Identity | undefined;
}

/** Records the verified identity for the plugins that run after authn. */
export function setIdentity(ctx: RequestContext, identity: Identity): void {
  ctx.vars.set(IDENTITY, identity);
}

/** The header apps read the identity from; a client's own is always removed. */
export const IDENTITY_HEADER = "x-buntime-identity";
