/**
 * Bag and set functions (XACML 3.0 §A.3.10, §A.3.11), one family per data type:
 * `<type>-one-and-only`, `-bag-size`, `-is-in`, `-bag`, `-intersection`,
 * `-at-least-one-member-of`, `-union`, `-subset`, `-set-equals`.
 */
import { type Atom, atomsEqual, DATA_TYPES, type DataType } from "../datatypes.ts";
import { EvaluationError, STATUS } from "../decision.ts";
import { type Bag, bagOf, expectAtom, expectBag, type Value } from "../values.ts";
import { ALL_TYPES, eager, F1, type FunctionDef, type FunctionEnv } from "./types.ts";

const bool = (value: boolean): Atom => ({ type: DATA_TYPES.boolean, value });

function member(x: Atom, items: readonly Atom[], offset: number): boolean {
  return items.some((y) => atomsEqual(x, y, offset));
}

/** The items without duplicates, first occurrence kept. */
function distinct(items: readonly Atom[], offset: number): Atom[] {
  const out: Atom[] = [];
  for (const item of items) if (!member(item, out, offset)) out.push(item);
  return out;
}

function bags(args: readonly Value[], type: DataType, name: string): Bag[] {
  return args.map((arg, i) => expectBag(arg, type, `${name} argument ${i + 1}`));
}

function family(typeName: string, type: DataType): [string, FunctionDef][] {
  const id = (suffix: string) => `${typeName}-${suffix}`;
  const setTest = (suffix: string, test: (a: Bag, b: Bag, env: FunctionEnv) => boolean): [string, FunctionDef] => [
    id(suffix),
    eager(2, DATA_TYPES.boolean, (args, env) => {
      const [a, b] = bags(args, type, id(suffix));
      return bool(test(a!, b!, env));
    }),
  ];
  const subset = (a: Bag, b: Bag, env: FunctionEnv) => a.items.every((x) => member(x, b.items, env.defaultOffset));
  return [
    [
      id("one-and-only"),
      eager(1, type, ([arg]) => {
        const bag = expectBag(arg!, type, id("one-and-only"));
        if (bag.items.length !== 1) {
          throw new EvaluationError(
            STATUS.processingError,
            `${id("one-and-only")}: the bag has ${bag.items.length} values, not 1`,
          );
        }
        return bag.items[0]!;
      }),
    ],
    [
      id("bag-size"),
      eager(1, DATA_TYPES.integer, ([arg]) => ({
        type: DATA_TYPES.integer,
        value: expectBag(arg!, type, id("bag-size")).items.length,
      })),
    ],
    [
      id("is-in"),
      eager(2, DATA_TYPES.boolean, ([x, bag], env) =>
        bool(
          member(
            expectAtom(x!, type, `${id("is-in")} argument 1`),
            expectBag(bag!, type, `${id("is-in")} argument 2`).items,
            env.defaultOffset,
          ),
        ),
      ),
    ],
    [
      id("bag"),
      eager([0, Infinity], "bag", (args) =>
        bagOf(
          type,
          args.map((arg, i) => expectAtom(arg, type, `${id("bag")} argument ${i + 1}`)),
        ),
      ),
    ],
    [
      id("intersection"),
      eager(2, "bag", (args, env) => {
        const [a, b] = bags(args, type, id("intersection"));
        const common = a!.items.filter((x) => member(x, b!.items, env.defaultOffset));
        return bagOf(type, distinct(common, env.defaultOffset));
      }),
    ],
    [
      id("union"),
      eager([2, Infinity], "bag", (args, env) =>
        bagOf(
          type,
          distinct(
            bags(args, type, id("union")).flatMap((bag) => bag.items),
            env.defaultOffset,
          ),
        ),
      ),
    ],
    setTest("at-least-one-member-of", (a, b, env) => a.items.some((x) => member(x, b.items, env.defaultOffset))),
    setTest("subset", subset),
    setTest("set-equals", (a, b, env) => subset(a, b, env) && subset(b, a, env)),
  ];
}

/** The bag and set functions by id. */
export function bagFunctions(): [string, FunctionDef][] {
  return ALL_TYPES.flatMap((name) =>
    family(name, DATA_TYPES[name]).map(([id, def]): [string, FunctionDef] => [`${F1}${id}`, def]),
  );
}
