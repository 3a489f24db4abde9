import { DeployError } from "./errors.ts";

/** Unicode category Cc: the C0 controls (U+0000–U+001F), DEL (U+007F) and the C1 controls (U+0080–U+009F). */
const CONTROL_CHARACTER = /\p{Cc}/u;

/**
 * The path segments of an archive entry, after refusing every name that could reach outside the
 * extraction folder on any platform: absolute (`/etc/x`), a drive letter (`C:x`), a `..`
 * segment, a backslash (a separator on Windows, so `..\x` is a traversal there) or a control
 * character: a NUL truncates the path in C, and a newline, escape or any other C0/C1 control or
 * DEL in a file name forges lines in logs and listings and drives terminals that print it. `.` and
 * empty segments are dropped, so `./a//b` is `["a", "b"]` and `./` (the archive root, as
 * `tar -C dir .` writes it) is `[]`.
 *
 * @throws DeployError UNSAFE_PATH naming the entry
 * @example
 * entrySegments("./app/index.ts"); // ["app", "index.ts"]
 * entrySegments("a/../../x");      // throws UNSAFE_PATH
 */
export function entrySegments(name: string): string[] {
  const refuse = (why: string) => new DeployError("UNSAFE_PATH", `entry ${quoted(name)}: ${why}`);
  if (name.includes("\0")) throw refuse("the path contains a NUL byte");
  if (CONTROL_CHARACTER.test(name)) throw refuse("the path contains a control character");
  if (name.includes("\\")) throw refuse("the path contains a backslash");
  if (name.startsWith("/")) throw refuse("the path is absolute");
  if (/^[A-Za-z]:/.test(name)) throw refuse("the path starts with a drive letter");
  const segments = name.split("/").filter((segment) => segment !== "" && segment !== ".");
  if (segments.includes("..")) throw refuse("the path has a '..' segment");
  return segments;
}

/**
 * True for entries that are not part of the app: the archive root itself, and the
 * `__MACOSX/` resource-fork folder macOS Finder adds beside the real folder when it zips one
 * (kept, it would hide the "single top-level folder" and leave the app one level down).
 */
export function isIgnoredEntry(segments: readonly string[]): boolean {
  return segments.length === 0 || segments[0] === "__MACOSX";
}

/**
 * `name` as a JSON string with every control character escaped: `JSON.stringify` leaves DEL and
 * the C1 controls raw, and a refused name must not carry them into the answer or the log.
 */
function quoted(name: string): string {
  return JSON.stringify(name).replace(/\p{Cc}/gu, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, "0")}`);
}
