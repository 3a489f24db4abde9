import { AuthnFailure } from "./failure.ts";

/** Tokens longer than this are refused before any parsing or crypto. */
export const MAX_TOKEN_BYTES = 16 * 1024;

const SCHEME = /^bearer(?:\s|$)/i;
// RFC 6750 §2.1: b64token.
const BEARER = /^bearer +([A-Za-z0-9\-._~+/]+=*) *$/i;

/**
 * The bearer token of an `Authorization` header: undefined when there is none (no header, or
 * another scheme such as Basic), the token when well-formed.
 * @throws AuthnFailure `too_large` over 16 KB, `malformed` for a Bearer header without a b64token
 *
 * @example
 * bearerToken("Bearer eyJhbGciOi…"); // "eyJhbGciOi…"
 * bearerToken("Basic dXNlcjpwYXNz"); // undefined
 */
export function bearerToken(authorization: string | null): string | undefined {
  if (authorization === null || !SCHEME.test(authorization)) return undefined;
  // "Bearer " plus the token, with a little room for padding spaces.
  if (authorization.length > MAX_TOKEN_BYTES + 16) throw new AuthnFailure("too_large");
  const token = BEARER.exec(authorization)?.[1];
  if (token === undefined) throw new AuthnFailure("malformed");
  if (token.length > MAX_TOKEN_BYTES) throw new AuthnFailure("too_large");
  return token;
}
