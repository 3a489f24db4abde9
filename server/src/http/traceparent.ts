/**
 * W3C Trace Context's `traceparent` (https://www.w3.org/TR/trace-context/#traceparent-header):
 * kept when the client sent a valid one, else a new one started, so that every request's log
 * lines can be tied to a trace. Hand-written: a format check and 24 random bytes; a tracing SDK
 * (OpenTelemetry) would be a large dependency for it.
 */

/** version-traceid-parentid-flags; a future version may append fields after a dash. */
const TRACEPARENT = /^([0-9a-f]{2})-([0-9a-f]{32})-([0-9a-f]{16})-([0-9a-f]{2})(-.*)?$/;
const ZERO_TRACE = "0".repeat(32);
const ZERO_PARENT = "0".repeat(16);

/** Whether `value` is a traceparent this runtime passes on as it is. */
export function isTraceparent(value: string): boolean {
  if (value.length > 256) return false;
  const m = TRACEPARENT.exec(value);
  if (!m) return false;
  const [, version, trace, parent, , rest] = m;
  if (version === "ff" || trace === ZERO_TRACE || parent === ZERO_PARENT) return false;
  // Version 00 has exactly four fields.
  return !(version === "00" && rest !== undefined);
}

/** Traceparents made from one batch of random bytes (see `newTraceparent`). */
const BATCH = 512;
/** 24 random bytes (a trace id and a parent id) per traceparent, as hex. */
const HEX_PER_ID = 48;
let randomHex = "";
let next = 0;

/**
 * A new traceparent: version 00, random trace and parent ids, not sampled. The random bytes
 * come in batches (`getRandomValues` for BATCH ids at once, as one hex string), each id's part
 * used once: a fresh array through `Buffer` per request cost several times more (every request
 * without a traceparent makes one).
 */
export function newTraceparent(): string {
  if (next + HEX_PER_ID > randomHex.length) {
    const bytes = crypto.getRandomValues(new Uint8Array((BATCH * HEX_PER_ID) / 2));
    randomHex = (bytes as Uint8Array & { toHex(): string }).toHex();
    next = 0;
  }
  const at = next;
  next += HEX_PER_ID;
  return `00-${randomHex.slice(at, at + 32)}-${randomHex.slice(at + 32, at + HEX_PER_ID)}-00`;
}

/** The client's traceparent when valid, else a new one. */
export function traceparentFor(value: string | string[] | undefined): string {
  return typeof value === "string" && isTraceparent(value) ? value : newTraceparent();
}
