/**
 * What a client presents on an admin route: `Authorization: Bearer <secret>` or
 * `X-API-Key: <key>` (docs/admin.md). Only read here, so both headers are handled alike.
 */
import { KEY_PREFIX } from "./key-format.ts";

/** A secret as sent: an API key (by prefix or header) or another bearer token (JWT, admin token). */
export type Presented = { kind: "none" } | { kind: "key"; secret: string } | { kind: "bearer"; secret: string };

/** Longer than any key or token we issue or accept; bounds the hashing work per request. */
const MAX_SECRET = 8192;
const BEARER = /^bearer +(\S+) *$/i;

/**
 * The credential of a request. `X-API-Key` wins over `Authorization`; a bearer value with the
 * key prefix is a key. An oversized or unparsable header is an invalid bearer (`secret: ""`).
 */
export function presentedCredential(headers: Headers): Presented {
  const apiKey = headers.get("x-api-key");
  if (apiKey !== null) return { kind: "key", secret: apiKey.length > MAX_SECRET ? "" : apiKey.trim() };
  const authorization = headers.get("authorization");
  if (authorization === null) return { kind: "none" };
  const secret = authorization.length > MAX_SECRET ? undefined : BEARER.exec(authorization)?.[1];
  if (secret === undefined) return { kind: "bearer", secret: "" };
  return secret.startsWith(KEY_PREFIX) ? { kind: "key", secret } : { kind: "bearer", secret };
}
