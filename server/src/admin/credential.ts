/**
 * What a client presents on an admin route: `Authorization: Bearer <secret>` or
 * `X-API-Key: <key>` (docs/admin.md), or else a dashboard session cookie (docs/dashboard.md).
 * Only read here, so every way in is handled alike.
 */
import { parse } from "hono/utils/cookie";
import { KEY_PREFIX } from "./key-format.ts";
import { SESSION_COOKIE } from "./sessions.ts";

/**
 * A secret as sent: an API key (by prefix or header), another bearer token (JWT, admin token),
 * or a dashboard session id from the cookie (only when no header credential is sent).
 */
export type Presented =
  | { kind: "none" }
  | { kind: "key"; secret: string }
  | { kind: "bearer"; secret: string }
  | { kind: "session"; id: string };

/** Longer than any key or token we issue or accept; bounds the hashing work per request. */
const MAX_SECRET = 8192;
const BEARER = /^bearer +(\S+) *$/i;

/**
 * The credential of a request. `X-API-Key` wins over `Authorization`; a bearer value with the
 * key prefix is a key. An oversized or unparsable header is an invalid bearer (`secret: ""`).
 */
export function presentedCredential(headers: Headers, cookieName = SESSION_COOKIE): Presented {
  const apiKey = headers.get("x-api-key");
  if (apiKey !== null) return { kind: "key", secret: apiKey.length > MAX_SECRET ? "" : apiKey.trim() };
  const authorization = headers.get("authorization");
  if (authorization === null) return sessionCredential(headers.get("cookie"), cookieName);
  const secret = authorization.length > MAX_SECRET ? undefined : BEARER.exec(authorization)?.[1];
  if (secret === undefined) return { kind: "bearer", secret: "" };
  return secret.startsWith(KEY_PREFIX) ? { kind: "key", secret } : { kind: "bearer", secret };
}

/** The session cookie `name`'s id, if the request carries one (an oversized Cookie header: none). */
function sessionCredential(cookie: string | null, name: string): Presented {
  if (cookie === null || cookie.length > MAX_SECRET || !cookie.includes(name)) return { kind: "none" };
  const id = parse(cookie, name)[name];
  return id ? { kind: "session", id } : { kind: "none" };
}
