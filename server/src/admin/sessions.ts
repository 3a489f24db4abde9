/**
 * Dashboard sessions (docs/dashboard.md): a browser signs in once with an API key or the admin
 * token and then holds only a random session id in an `HttpOnly` cookie. The id maps, here and
 * nowhere else, to the HASH of the credential it was opened with, so the guard re-checks that
 * credential on every request: revoking or expiring the key ends its sessions at once, and the
 * secret itself is never kept. In memory: a restart signs everyone out, which is the safe side.
 */
import QuickLRU from "quick-lru";

/** The cookie that carries a session id. */
export const SESSION_COOKIE = "buntime_session";

/** A session lasts this long from sign-in (absolute, not sliding). */
export const SESSION_TTL_MS = 12 * 60 * 60 * 1000;

/**
 * At most this many open sessions: the map is keyed by ids the server made, but every sign-in
 * adds one, so a flood of sign-ins evicts the oldest instead of growing memory.
 */
export const MAX_SESSIONS = 1000;

/**
 * At most this many open sessions per credential: past it, that credential's oldest session
 * ends. Without it, anyone holding a key (a viewer's too) could sign in MAX_SESSIONS times and
 * so sign every other operator out.
 */
export const MAX_SESSIONS_PER_CREDENTIAL = 32;

/** What a session stands for: which credential opened it (by hash) and until when. */
export interface SessionRecord {
  credential: "api-key" | "admin-token";
  /** sha256 of the key or token (admin/key-format.ts `hashSecret`). */
  hash: string;
  expiresAt: number;
}

/** 32 random bytes, base64url: unguessable, and only ever compared as a whole. */
function newSessionId(): string {
  return Buffer.from(crypto.getRandomValues(new Uint8Array(32))).toString("base64url");
}

const SESSION_ID = /^[A-Za-z0-9_-]{43}$/;

/** The open sessions of one server. */
export class SessionStore {
  readonly #sessions = new QuickLRU<string, SessionRecord>({ maxSize: MAX_SESSIONS });
  readonly #now: () => number;

  /** `now`: wall-clock milliseconds (the guard's clock; expiry is a calendar time). */
  constructor(now: () => number = Date.now) {
    this.#now = now;
  }

  /** Opens a session for a verified credential; returns its id (for the cookie). */
  open(credential: SessionRecord["credential"], hash: string): string {
    const own = [...this.#sessions.entriesAscending()].filter(([, record]) => record.hash === hash);
    for (const [oldest] of own.slice(0, Math.max(0, own.length - MAX_SESSIONS_PER_CREDENTIAL + 1))) {
      this.#sessions.delete(oldest);
    }
    const id = newSessionId();
    this.#sessions.set(id, { credential, hash, expiresAt: this.#now() + SESSION_TTL_MS });
    return id;
  }

  /** The live session `id` names, or undefined (unknown, malformed, expired: forgotten). */
  get(id: string): SessionRecord | undefined {
    if (!SESSION_ID.test(id)) return undefined;
    const record = this.#sessions.get(id);
    if (record && record.expiresAt <= this.#now()) {
      this.#sessions.delete(id);
      return undefined;
    }
    return record;
  }

  /** Ends a session (sign-out). Idempotent. */
  close(id: string): void {
    this.#sessions.delete(id);
  }

  get size(): number {
    return this.#sessions.size;
  }
}
