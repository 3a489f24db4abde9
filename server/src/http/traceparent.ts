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

/** The random bytes of the last traceparent made (refilled for each: ids are never reused). */
const random = new Uint8Array(24);

/**
 * A new traceparent: version 00, random trace and parent ids, not sampled. One buffer refilled
 * and `toHex` (about 2x cheaper than a fresh array through `Buffer`: every request without a
 * traceparent makes one).
 */
export function newTraceparent(): string {
  crypto.getRandomValues(random);
  const hex = (random as Uint8Array & { toHex(): string }).toHex();
  return `00-${hex.slice(0, 32)}-${hex.slice(32)}-00`;
}

/** The client's traceparent when valid, else a new one. */
export function traceparentFor(value: string | string[] | undefined): string {
  return typeof value === "string" && isTraceparent(value) ? value : newTraceparent();
}
