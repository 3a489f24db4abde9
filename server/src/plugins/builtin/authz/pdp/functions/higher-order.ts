/**
 * Higher-order bag functions (XACML 3.0 §A.3.12): any-of, all-of, any-of-any, all-of-any,
 * any-of-all, all-of-all and map. The first argument is a `<Function>`; the function it names is
 * applied to the bags' elements.
 */
import { type Atom, DATA_TYPES } from "../datatypes.ts";
import { EvaluationError, STATUS } from "../decision.ts";
import { type Bag, bagOf, expectAtom, expectBag, expectFunction, isBag, type Value } from "../values.ts";
import { eager, F3, type FunctionDef, type FunctionEnv } from "./types.ts";

const bool = (value: boolean): Atom => ({ type: DATA_TYPES.boolean, value });

function predicate(env: FunctionEnv, id: string, name: string) {
  return (args: readonly Value[]): boolean =>
    expectAtom(env.call(id, args), DATA_TYPES.boolean, `${name}: the result of ${id}`).value as boolean;
}

/** Splits `(function, primitives…, one bag, primitives…)` as any-of, all-of and map take them. */
function oneBag(args: readonly Value[], name: string): { fn: string; bag: Bag; at: number; rest: Value[] } {
  const fn = expectFunction(args[0]!, `${name} argument 1`).id;
  const rest = args.slice(1);
  const bagIndexes = rest.flatMap((arg, i) => (isBag(arg) ? [i] : []));
  if (bagIndexes.length !== 1) {
    throw new EvaluationError(
      STATUS.processingError,
      `${name}: expected exactly one bag argument, got ${bagIndexes.length}`,
    );
  }
  const at = bagIndexes[0]!;
  return { fn, bag: rest[at] as Bag, at, rest };
}

const withItem = (rest: readonly Value[], at: number, item: Atom) => rest.map((arg, i) => (i === at ? item : arg));

/** Every combination of the arguments, each bag replaced by one of its elements. */
function* combinations(args: readonly Value[], from = 0): Generator<Value[]> {
  if (from === args.length) {
    yield [...args];
    return;
  }
  const arg = args[from]!;
  if (!isBag(arg)) {
    yield* combinations(args, from + 1);
    return;
  }
  for (const item of arg.items) yield* combinations(withItem(args, from, item), from + 1);
}

function pairwise(name: string, outer: "some" | "every", inner: "some" | "every"): [string, FunctionDef] {
  return [
    `${F3}${name}`,
    eager(3, DATA_TYPES.boolean, (args, env) => {
      const test = predicate(env, expectFunction(args[0]!, `${name} argument 1`).id, name);
      const a = expectBag(args[1]!, undefined, `${name} argument 2`);
      const b = expectBag(args[2]!, undefined, `${name} argument 3`);
      return bool(a.items[outer]((x) => b.items[inner]((y) => test([x, y]))));
    }),
  ];
}

/** The higher-order functions by id. */
export function higherOrderFunctions(): [string, FunctionDef][] {
  return [
    [
      `${F3}any-of`,
      eager([2, Infinity], DATA_TYPES.boolean, (args, env) => {
        const { fn, bag, at, rest } = oneBag(args, "any-of");
        const test = predicate(env, fn, "any-of");
        return bool(bag.items.some((item) => test(withItem(rest, at, item))));
      }),
    ],
    [
      `${F3}all-of`,
      eager([2, Infinity], DATA_TYPES.boolean, (args, env) => {
        const { fn, bag, at, rest } = oneBag(args, "all-of");
        const test = predicate(env, fn, "all-of");
        return bool(bag.items.every((item) => test(withItem(rest, at, item))));
      }),
    ],
    [
      `${F3}any-of-any`,
      eager([2, Infinity], DATA_TYPES.boolean, (args, env) => {
        const test = predicate(env, expectFunction(args[0]!, "any-of-any argument 1").id, "any-of-any");
        for (const combination of combinations(args.slice(1))) if (test(combination)) return bool(true);
        return bool(false);
      }),
    ],
    pairwise("all-of-any", "every", "some"),
    pairwise("any-of-all", "some", "every"),
    pairwise("all-of-all", "every", "every"),
    [
      `${F3}map`,
      eager([2, Infinity], "bag", (args, env) => {
        const { fn, bag, at, rest } = oneBag(args, "map");
        const results = bag.items.map((item) =>
          expectAtom(env.call(fn, withItem(rest, at, item)), undefined, `map: ${fn}`),
        );
        return bagOf(results[0]?.type ?? bag.type, results);
      }),
    ],
  ];
}
