/**
 * Path globs as the short form and `excludePaths` use them: `*` matches within one segment,
 * `**` across segments; a trailing `/**` also matches the folder itself (`/_/authz/**` matches
 * `/_/authz`), and `/**\/` matches one slash or any folders between. Everything else is literal.
 *
 * Written here rather than with `Bun.Glob`: these globs must compile to a regular expression
 * (the short form stores them in a XACML `string-regexp-match`, which policies carry as data),
 * and `?`, `[…]` and `{…}` are literal here, where `Bun.Glob` gives them meaning.
 */

const SPECIAL = /[\\^$.*+?()[\]{}|]/;

/**
 * Any characters, line breaks included: `.` stops at `\n`, `\r`, U+2028 and U+2029, and a
 * request's path is percent-decoded before it is judged, so `.*` let `/echo/admin/x%0A` pass a
 * deny on `/echo/admin/**`.
 */
const ANY = "[\\s\\S]*";

/** Whether the text has a wildcard (else plain equality is enough). */
export function isGlob(text: string): boolean {
  return text.includes("*");
}

/** The anchored regular-expression source a glob compiles to (valid with the `u` flag). */
export function globSource(glob: string): string {
  let out = "^";
  let i = 0;
  while (i < glob.length) {
    if (glob.startsWith("/**", i) && i + 3 === glob.length) {
      out += `(?:/${ANY})?`;
      i += 3;
    } else if (glob.startsWith("/**/", i)) {
      out += `(?:/${ANY})?/`;
      i += 4;
    } else if (i === 0 && glob.startsWith("**/")) {
      out += `(?:${ANY}/)?`;
      i += 3;
    } else if (glob.startsWith("**", i)) {
      out += ANY;
      i += 2;
    } else if (glob[i] === "*") {
      out += "[^/]*";
      i += 1;
    } else {
      const c = glob[i]!;
      out += SPECIAL.test(c) ? `\\${c}` : c;
      i += 1;
    }
  }
  return `${out}$`;
}

/** A matcher for a glob. */
export function globMatcher(glob: string): (text: string) => boolean {
  if (!isGlob(glob)) return (text) => text === glob;
  const regex = new RegExp(globSource(glob), "u");
  return (text) => regex.test(text);
}
