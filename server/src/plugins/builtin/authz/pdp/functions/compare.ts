/**
 * Equality and ordering (XACML 3.0 §A.3.1, §A.3.6, §A.3.8): `<type>-equal`,
 * `string-equal-ignore-case`, `<type>-greater-than[-or-equal]`, `<type>-less-than[-or-equal]`
 * and `time-in-range`.
 */
import { type Atom, atomsEqual, compareAtoms, DATA_TYPES, type DataType } from "../datatypes.ts";
import { expectAtom } from "../values.ts";
import { ALL_TYPES, eager, F1, F2, F3, type FunctionDef, ORDERED_TYPES } from "./types.ts";

const bool = (value: boolean): Atom => ({ type: DATA_TYPES.boolean, value });

function binary(name: string, type: DataType, test: (a: Atom, b: Atom, offset: number) => boolean): FunctionDef {
  return eager(2, DATA_TYPES.boolean, ([a, b], env) =>
    bool(
      test(expectAtom(a!, type, `${name} argument 1`), expectAtom(b!, type, `${name} argument 2`), env.defaultOffset),
    ),
  );
}

const ORDERINGS: Record<string, (c: number) => boolean> = {
  "greater-than": (c) => c > 0,
  "greater-than-or-equal": (c) => c >= 0,
  "less-than": (c) => c < 0,
  "less-than-or-equal": (c) => c <= 0,
};

/** Seconds since midnight UTC of a time, its zone taken from `zoneFrom` when it has none. */
function daySeconds(time: Atom, zoneFrom: number): number {
  const seconds = (time.value as number) - (time.offset ?? zoneFrom) * 60;
  return ((seconds % 86400) + 86400) % 86400;
}

/**
 * `time-in-range(t, from, to)`: true when `t` lies in [from, to], both ends included; `to` is
 * read as the same day or, when earlier than `from`, the next day (a range across midnight).
 * `from` and `to` without a zone take `t`'s zone, as §A.3.8 says.
 */
function timeInRange(t: Atom, from: Atom, to: Atom, defaultOffset: number): boolean {
  const zone = t.offset ?? defaultOffset;
  const x = daySeconds(t, defaultOffset);
  const lo = daySeconds(from, zone);
  const hi = daySeconds(to, zone);
  return lo <= hi ? x >= lo && x <= hi : x >= lo || x <= hi;
}

/** The comparison functions by id. */
export function compareFunctions(): [string, FunctionDef][] {
  const defs: [string, FunctionDef][] = [];
  for (const name of ALL_TYPES) {
    const id = `${name}-equal`;
    defs.push([`${F1}${id}`, binary(id, DATA_TYPES[name], atomsEqual)]);
  }
  defs.push([
    `${F3}string-equal-ignore-case`,
    binary("string-equal-ignore-case", DATA_TYPES.string, (a, b) => {
      return (a.value as string).toLowerCase() === (b.value as string).toLowerCase();
    }),
  ]);
  for (const name of ORDERED_TYPES) {
    for (const [suffix, test] of Object.entries(ORDERINGS)) {
      const id = `${name}-${suffix}`;
      defs.push([`${F1}${id}`, binary(id, DATA_TYPES[name], (a, b, offset) => test(compareAtoms(a, b, offset)))]);
    }
  }
  defs.push([
    `${F2}time-in-range`,
    eager(3, DATA_TYPES.boolean, (args, env) => {
      const [t, from, to] = args.map((arg, i) => expectAtom(arg, DATA_TYPES.time, `time-in-range argument ${i + 1}`));
      return bool(timeInRange(t!, from!, to!, env.defaultOffset));
    }),
  ]);
  return defs;
}
