/**
 * The API key format (docs/admin.md): `btk_` + 32 random bytes, base64url. Only the sha256 of a
 * key is stored. A fast hash is enough here, unlike for passwords: a key has 256 bits of
 * randomness, so there is no dictionary to try and brute force is out of reach whatever the hash
 * costs; a slow KDF would only add its cost to every admin request.
 */
import { createHash, randomBytes, timingSafeEqual } from "node:crypto";

/** What every API key starts with (also how the guard tells a key from a JWT). */
export const KEY_PREFIX = "btk_";
const KEY_BYTES = 32;

/** A new random key. */
export function generateKey(): string {
  return `${KEY_PREFIX}${randomBytes(KEY_BYTES).toString("base64url")}`;
}

/** sha256 of `secret`, hex: what the store keeps. */
export function hashSecret(secret: string): string {
  return createHash("sha256").update(secret).digest("hex");
}

/**
 * Whether two hex hashes are equal, in constant time. Both sides are hashes, so their lengths
 * are equal and say nothing about the secret.
 */
export function sameHash(a: string, b: string): boolean {
  const left = Buffer.from(a, "hex");
  const right = Buffer.from(b, "hex");
  return left.length === right.length && timingSafeEqual(left, right);
}

const DURATION = /^(\d{1,9})([smhd])$/;
const UNIT_MS = { s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 } as const;

/**
 * `expires` as the contract takes it: an ISO 8601 time, or a duration `<n>s|m|h|d` from `now`;
 * null/undefined = never. Returns the ISO time, or an Error naming what was wrong.
 *
 * @example
 * parseExpires("30d", Date.parse("2026-01-01T00:00:00Z")); // "2026-01-31T00:00:00.000Z"
 */
export function parseExpires(value: string | null | undefined, now: number): string | null | Error {
  if (value === null || value === undefined) return null;
  const duration = DURATION.exec(value);
  if (duration) {
    const ms = Number(duration[1]) * UNIT_MS[duration[2] as keyof typeof UNIT_MS];
    const at = new Date(now + ms);
    // Past the last time a Date holds (year 275760) it is invalid, and toISOString throws.
    if (Number.isNaN(at.getTime())) return new Error(`expires "${value}" is past the last date there is`);
    return at.toISOString();
  }
  // An ISO 8601 date-time with a zone; Date.parse alone would take "1" or "May 5" too.
  if (/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:\d{2})$/.test(value)) {
    const time = Date.parse(value);
    if (!Number.isNaN(time) && isCalendarDate(value)) {
      // A key that expired before it was made is a mistyped year, not a wish.
      if (time <= now) return new Error(`expires "${value}" is in the past`);
      return new Date(time).toISOString();
    }
  }
  return new Error(`expires must be an ISO 8601 time or a duration such as 30d, 12h, 15m, 90s; got "${value}"`);
}

/** Whether the date part of an ISO time is a day the calendar has: `Date.parse` takes 02-30 as 03-02. */
function isCalendarDate(iso: string): boolean {
  const [year, month, day] = iso.slice(0, 10).split("-").map(Number) as [number, number, number];
  const date = new Date(Date.UTC(year, month - 1, day));
  return date.getUTCMonth() === month - 1 && date.getUTCDate() === day;
}
