/**
 * The admin guard's rules (docs/admin.md) as pure functions: which requests are refused before
 * the plugins' hooks run, and which after. The guard (`guard.ts`) gathers the facts.
 */
import type { ErrorCode } from "../errors.ts";
import { highestRole, type Role, roleAtLeast } from "./roles.ts";

export type Refusal = { code: Extract<ErrorCode, "UNAUTHENTICATED" | "FORBIDDEN" | "ADMIN_LOCKED">; message: string };

/** The one message that says how to unlock admin writes. */
export const LOCKED_MESSAGE =
  "admin writes are locked: no admin credential is configured. Set BUNTIME_ADMIN_TOKEN " +
  "(e.g. BUNTIME_ADMIN_TOKEN=$(openssl rand -base64 32)) and restart, or create a key with " +
  "`buntime keys create --name admin --role admin`; then send it as `Authorization: Bearer <token>`";

/**
 * The header a state-changing request with the session cookie must carry. A cross-site HTML
 * form cannot set a header, and a cross-site script cannot send this one without a CORS
 * preflight, which the runtime never grants.
 */
export const CSRF_HEADER = "x-buntime-csrf";

const CSRF_MESSAGE = `a state-changing request signed in by the dashboard's cookie needs the ${CSRF_HEADER} header`;

/** What the guard knows before the hooks. */
export interface BeforeFacts {
  stateChanging: boolean;
  /** An admin token, a stored key or authn: any way to authenticate at all. */
  configured: boolean;
  /** The presented credential: none, one the guard verified, one it refused, or one left to authn. */
  credential: "none" | "verified" | "invalid" | "for-authn";
  /**
   * The credential is a session cookie (which a browser attaches to any request to this origin,
   * a cross-site form's included) and the request lacks the header a form cannot send.
   */
  cookieWithoutCsrfHeader?: boolean;
}

/**
 * Before the hooks: the locked default, and a credential that is wrong. A missing one is not
 * refused yet: an identity plugin (authn) may still establish the caller, and `after` refuses
 * a request that reaches it with no caller.
 */
export function refuseBefore(f: BeforeFacts): Refusal | undefined {
  if (!f.configured && f.stateChanging) return { code: "ADMIN_LOCKED", message: LOCKED_MESSAGE };
  if (f.credential === "invalid") return { code: "UNAUTHENTICATED", message: "the API key or token is invalid" };
  if (f.stateChanging && f.cookieWithoutCsrfHeader) return { code: "FORBIDDEN", message: CSRF_MESSAGE };
  return undefined;
}

/** What the guard knows after the hooks. */
export interface AfterFacts {
  required: Role;
  configured: boolean;
  /** `@buntime/authz`'s policies permitted this request (not merely: authz is on). */
  authz: boolean;
  /** The verified caller's roles (a key's role, the token's roles), or undefined for none. */
  roles: readonly string[] | undefined;
}

/**
 * After the hooks: the caller must be known (with nothing configured, reads are open), and
 * (without authz) hold the route's role. With authz on, a request that got here was permitted
 * by the policies.
 */
export function refuseAfter(f: AfterFacts): Refusal | undefined {
  if (!f.configured) return undefined;
  if (f.roles === undefined) {
    return { code: "UNAUTHENTICATED", message: "an admin credential is required (Authorization: Bearer <key>)" };
  }
  if (f.authz) return undefined;
  const held = highestRole(f.roles);
  if (held === undefined)
    return { code: "FORBIDDEN", message: `this route needs role ${f.required}; the caller holds no admin role` };
  if (!roleAtLeast(held, f.required)) {
    return { code: "FORBIDDEN", message: `this route needs role ${f.required}; the caller is ${held}` };
  }
  return undefined;
}
