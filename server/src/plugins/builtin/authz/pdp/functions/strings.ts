/**
 * String functions (XACML 3.0 §A.3.9, §A.3.13): regular-expression match, starts-with,
 * ends-with, contains, concatenate and normalisation.
 *
 * XACML's regular expressions are XML Schema's, matched like XPath `fn:matches`: unanchored,
 * so `^…$` anchors. JavaScript's `RegExp` with the `u` flag reads the same syntax for every
 * construct policies use in practice (classes, quantifiers, alternation, anchors).
 */
import QuickLRU from "quick-lru";
import { type Atom, DATA_TYPES, type DataType } from "../datatypes.ts";
import { EvaluationError, STATUS } from "../decision.ts";
import { expectAtom } from "../values.ts";
import { eager, F1, F2, F3, type FunctionDef } from "./types.ts";

const bool = (value: boolean): Atom => ({ type: DATA_TYPES.boolean, value });
const text = (value: string): Atom => ({ type: DATA_TYPES.string, value });

/**
 * The most compiled patterns kept. A pattern may come from a request attribute (clients choose
 * it), so the cache is an LRU: a flood of distinct patterns evicts, and the policies' own few,
 * used on every request, stay.
 */
export const PATTERNS_KEPT = 500;
// quick-lru holds between maxSize and twice maxSize entries (two generations): half the bound.
const compiled = new QuickLRU<string, RegExp>({ maxSize: PATTERNS_KEPT / 2 });

/** How many compiled patterns are held now, at most PATTERNS_KEPT (for tests). */
export function patternsHeld(): number {
  // quick-lru's `size` is capped at maxSize; counting its entries tells what it really holds.
  let held = 0;
  for (const _ of compiled.keys()) held++;
  return held;
}

/**
 * The compiled pattern, cached (policies repeat the same few on every request).
 * @throws EvaluationError (syntax-error) for a pattern that does not compile
 */
function compilePattern(pattern: string): RegExp {
  let regex = compiled.get(pattern);
  if (regex) return regex;
  try {
    regex = new RegExp(pattern, "u");
  } catch (error) {
    throw new EvaluationError(
      STATUS.syntaxError,
      `invalid regular expression ${JSON.stringify(pattern)}: ${(error as Error).message}`,
    );
  }
  compiled.set(pattern, regex);
  return regex;
}

/** `(string, <type>) → boolean`, the second argument being the one searched. */
function search(name: string, subject: DataType, test: (needle: string, haystack: string) => boolean): FunctionDef {
  return eager(2, DATA_TYPES.boolean, ([a, b]) => {
    const needle = expectAtom(a!, DATA_TYPES.string, `${name} argument 1`).value as string;
    const haystack = expectAtom(b!, subject, `${name} argument 2`).value as string;
    return bool(test(needle, haystack));
  });
}

const matches = (pattern: string, value: string) => compilePattern(pattern).test(value);
const startsWith = (prefix: string, value: string) => value.startsWith(prefix);
const endsWith = (suffix: string, value: string) => value.endsWith(suffix);
const contains = (part: string, value: string) => value.includes(part);

/** The string functions by id. */
export function stringFunctions(): [string, FunctionDef][] {
  const S = DATA_TYPES.string;
  const U = DATA_TYPES.anyURI;
  return [
    [`${F1}string-regexp-match`, search("string-regexp-match", S, matches)],
    [`${F2}anyURI-regexp-match`, search("anyURI-regexp-match", U, matches)],
    [`${F3}string-starts-with`, search("string-starts-with", S, startsWith)],
    [`${F3}string-ends-with`, search("string-ends-with", S, endsWith)],
    [`${F3}string-contains`, search("string-contains", S, contains)],
    [`${F3}anyURI-starts-with`, search("anyURI-starts-with", U, startsWith)],
    [`${F3}anyURI-ends-with`, search("anyURI-ends-with", U, endsWith)],
    [`${F3}anyURI-contains`, search("anyURI-contains", U, contains)],
    [
      `${F2}string-concatenate`,
      eager([2, Infinity], S, (args) =>
        text(args.map((arg, i) => expectAtom(arg, S, `string-concatenate argument ${i + 1}`).value).join("")),
      ),
    ],
    [
      `${F1}string-normalize-space`,
      eager(1, S, ([a]) => text((expectAtom(a!, S, "string-normalize-space").value as string).trim())),
    ],
    [
      `${F1}string-normalize-to-lower-case`,
      eager(1, S, ([a]) => text((expectAtom(a!, S, "string-normalize-to-lower-case").value as string).toLowerCase())),
    ],
  ];
}
