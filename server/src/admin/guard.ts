/**
 * The admin guard (docs/admin.md): every `/_/` route but the public ones needs an admin
 * credential and role. It runs in the pipeline around the plugins' hooks:
 *
 * - `before` (ahead of the hooks): verifies an API key, the admin token or a dashboard session
 *   (whose state-changing requests must carry the CSRF header) and records it as the
 *   request's identity (`setIdentity`), so `@buntime/authn` accepts it and `@buntime/authz` sees
 *   it as a subject (`id` = the key's name, `role` = its role); refuses a wrong or missing
 *   credential and, with nothing configured, every state-changing request (ADMIN_LOCKED);
 * - `after` (once every hook has let the request through): the route's role, unless authz's
 *   policies decided.
 *
 * Keys count on admin routes only: app routes never reach the guard, and a key never skips a hook.
 */
import type { RequestContext } from "@buntime/sdk";
import { BuntimeError, errorResponse } from "../errors.ts";
import { getIdentity, type Identity, setIdentity } from "../plugins/builtin/identity.ts";
import { permittedByPolicy } from "../plugins/builtin/policy-mark.ts";
import type { KeyRecord, KeyStore } from "../store/keys.ts";
import { StoreError } from "../store/keys.ts";
import type { Logger } from "../util/log.ts";
import { DASHBOARD_LOGIN_PATH, isDashboardPage } from "../util/public-routes.ts";
import { type Presented, presentedCredential } from "./credential.ts";
import { CSRF_HEADER, type Refusal, refuseAfter, refuseBefore } from "./decide.ts";
import { hashSecret, sameHash } from "./key-format.ts";
import { hostOf, sessionCookie } from "./own-host.ts";
import { isStateChanging, type Role, requiredRole } from "./roles.ts";
import { SessionStore } from "./sessions.ts";

/** The subject id the admin token appears as (authz policies, history). */
export const ADMIN_TOKEN_SUBJECT = "admin-token";

/** lastUsed is written at most this often per key: a request must not cost a file write. */
export const LAST_USED_INTERVAL_MS = 60_000;

export interface AdminGuardOptions {
  /** BUNTIME_ADMIN_TOKEN; undefined when unset. Only its hash is kept. */
  adminToken: string | undefined;
  keys: KeyStore;
  /** Whether `@buntime/authn` is on (read after the plugins' onInit). */
  authn: () => boolean;
  logger: Logger;
  /** Wall-clock milliseconds (expiry and lastUsed are calendar times). Default `Date.now`. */
  now?: () => number;
  /** DASHBOARD_HOST, as `parseHost` made it: session cookies count on that host only (own-host.ts). */
  dashboardHost?: string;
}

/** Whether any credential was configured, as `before` saw it (read again by `after`). */
const CONFIGURED = "buntime.admin.configured";

/** A credential the guard verified: who, with which role, and how they signed in. */
export interface Verified {
  identity: Identity;
  role: Role;
  credential: "api-key" | "admin-token";
  /** sha256 of the secret (what a session keeps instead of it). */
  hash: string;
  /** Presented as a dashboard session cookie (rather than a header). */
  session: boolean;
}

function identityOf(sub: string, role: Role, credential: "api-key" | "admin-token"): Identity {
  return { sub, username: sub, roles: [role], groups: [], claims: { sub, "buntime:credential": credential } };
}

/**
 * The answer to a refused request. A browser reading a dashboard page without a valid session is
 * sent to the login page instead of getting JSON (what it may read is the same: nothing).
 */
function refusal(r: Refusal, request: Request, path: string): Response {
  if (r.code === "UNAUTHENTICATED" && request.method === "GET" && isDashboardPage(path)) {
    return new Response(null, {
      status: 303,
      headers: { location: DASHBOARD_LOGIN_PATH, "cache-control": "no-store" },
    });
  }
  const headers: Record<string, string> =
    r.code === "UNAUTHENTICATED" ? { "www-authenticate": 'Bearer realm="buntime"' } : {};
  return errorResponse(new BuntimeError(r.code, r.message, headers));
}

/** See the file's comment. One per server. */
export class AdminGuard {
  readonly #tokenHash: string | undefined;
  readonly #keys: KeyStore;
  readonly #options: AdminGuardOptions;
  readonly #now: () => number;
  /** Key name → when its lastUsed was last written (bounded by the stored keys: pruned on use). */
  readonly #touched = new Map<string, number>();
  /** The dashboard's sessions: a session cookie is a credential this guard checks. */
  readonly sessions: SessionStore;
  /** DASHBOARD_HOST: the one host the dashboard and its sessions live on, when set (own-host.ts). */
  readonly dashboardHost: string | undefined;

  constructor(options: AdminGuardOptions) {
    this.#tokenHash = options.adminToken ? hashSecret(options.adminToken) : undefined;
    this.#keys = options.keys;
    this.#options = options;
    this.#now = options.now ?? Date.now;
    this.sessions = new SessionStore(this.#now);
    this.dashboardHost = options.dashboardHost;
  }

  /** Whether any credential is configured (token, a stored key, or authn). */
  async configured(): Promise<boolean> {
    return this.#tokenHash !== undefined || this.#options.authn() || (await this.#keys.list()).length > 0;
  }

  /** Whether the guard handles `method path` (an admin route: `/_/`, not public). */
  protects(method: string, path: string): boolean {
    const role = requiredRole(method, path);
    return role !== undefined && role !== "public";
  }

  /** Ahead of the hooks: a Response refuses the request; undefined lets it go on. */
  async before(request: Request, ctx: RequestContext): Promise<Response | undefined> {
    let keys: readonly KeyRecord[];
    try {
      keys = await this.#keys.list();
    } catch (error) {
      return this.#storeFailure(error);
    }
    const presented = this.#presented(request);
    const authn = this.#options.authn();
    const configured = this.#tokenHash !== undefined || keys.length > 0 || authn;
    let credential: "none" | "verified" | "invalid" | "for-authn" = "none";
    if (presented.kind !== "none") {
      const verified = this.#verify(presented, keys);
      if (verified) {
        setIdentity(ctx, verified.identity);
        credential = "verified";
      } else {
        credential = presented.kind === "bearer" && authn ? "for-authn" : "invalid";
      }
    }
    ctx.vars.set(CONFIGURED, configured);
    const refused = refuseBefore({
      stateChanging: isStateChanging(request.method),
      configured,
      credential,
      cookieWithoutCsrfHeader: presented.kind === "session" && request.headers.get(CSRF_HEADER) !== "1",
    });
    return refused && refusal(refused, request, ctx.path);
  }

  /**
   * The caller of `request` as this guard verifies it (a key, the admin token or a dashboard
   * session), without refusing anything: for pages that show only what the caller may do.
   * An identity from an authn token is not seen here (it is verified by the plugin's hook).
   */
  async identify(request: Request): Promise<Verified | undefined> {
    const presented = this.#presented(request);
    if (presented.kind === "none") return undefined;
    return this.#verify(presented, await this.#keys.list());
  }

  /**
   * Opens a dashboard session for the key or admin token `request` carries in a header (not for
   * a session cookie: a session never begets another). Undefined when there is no such valid
   * credential. Returns the session id, for the cookie.
   */
  async openSession(request: Request): Promise<{ id: string; verified: Verified } | undefined> {
    const presented = this.#presented(request);
    if (presented.kind !== "key" && presented.kind !== "bearer") return undefined;
    const verified = this.#verify(presented, await this.#keys.list());
    if (!verified) return undefined;
    return { id: this.sessions.open(verified.credential, verified.hash), verified };
  }

  /**
   * The request's credential. With DASHBOARD_HOST, a session cookie counts on that host only, and
   * over HTTPS only under its `__Host-` name (own-host.ts).
   */
  #presented(request: Request): Presented {
    if (this.dashboardHost === undefined) return presentedCredential(request.headers);
    const presented = presentedCredential(request.headers, sessionCookie(request, this.dashboardHost).name);
    if (presented.kind !== "session") return presented;
    return hostOf(request) === this.dashboardHost ? presented : { kind: "none" };
  }

  /** Verifies a presented credential: the admin token, a stored key, or a live session of either. */
  #verify(presented: Exclude<Presented, { kind: "none" }>, keys: readonly KeyRecord[]): Verified | undefined {
    if (presented.kind === "session") {
      const session = this.sessions.get(presented.id);
      if (!session) return undefined;
      // The session holds the credential's hash: checked again now, so a revoked key's sessions end.
      const verified =
        session.credential === "admin-token" ? this.#token(session.hash) : this.#matchKey(keys, session.hash);
      return verified && { ...verified, session: true };
    }
    const hash = hashSecret(presented.secret);
    if (presented.kind === "bearer") return this.#token(hash);
    return this.#matchKey(keys, hash);
  }

  #token(hash: string): Verified | undefined {
    if (!this.#tokenHash || !sameHash(hash, this.#tokenHash)) return undefined;
    return {
      identity: identityOf(ADMIN_TOKEN_SUBJECT, "admin", "admin-token"),
      role: "admin",
      credential: "admin-token",
      hash,
      session: false,
    };
  }

  /** After every hook let the request through: the route's role. */
  after(request: Request, ctx: RequestContext): Response | undefined {
    const required = requiredRole(request.method, ctx.path);
    if (required === undefined || required === "public") return undefined;
    const refused = refuseAfter({
      required,
      configured: ctx.vars.get(CONFIGURED) !== false,
      authz: permittedByPolicy(ctx),
      roles: getIdentity(ctx)?.roles,
    });
    return refused && refusal(refused, request, ctx.path);
  }

  /** The key whose hash matches, compared in constant time against every stored key. */
  #matchKey(keys: readonly KeyRecord[], hash: string): Verified | undefined {
    let found: KeyRecord | undefined;
    for (const key of keys) {
      // No early exit: the time taken does not say which key (or whether one) matched.
      if (sameHash(hash, key.hash)) found = key;
    }
    const now = this.#now();
    if (!found || (found.expires !== null && Date.parse(found.expires) <= now)) return undefined;
    this.#noteUse(found.name, now, keys);
    return {
      identity: identityOf(found.name, found.role, "api-key"),
      role: found.role,
      credential: "api-key",
      hash,
      session: false,
    };
  }

  /** Writes lastUsed at most once per LAST_USED_INTERVAL_MS per key, in the background. */
  #noteUse(name: string, now: number, keys: readonly KeyRecord[]): void {
    const last = this.#touched.get(name);
    if (last !== undefined && now - last < LAST_USED_INTERVAL_MS) return;
    if (this.#touched.size >= keys.length) {
      for (const known of this.#touched.keys()) if (!keys.some((k) => k.name === known)) this.#touched.delete(known);
    }
    this.#touched.set(name, now);
    this.#keys.touch(new Map([[name, new Date(now).toISOString()]])).catch((error) => {
      this.#options.logger.warn("could not record a key's last use", { key: name, error: String(error) });
    });
  }

  #storeFailure(error: unknown): Response {
    const message = error instanceof StoreError ? error.message : String(error);
    this.#options.logger.error("key store unreadable; admin routes refused", { error: message });
    return errorResponse(new BuntimeError("STORE_UNAVAILABLE", "the key store cannot be read"));
  }
}
