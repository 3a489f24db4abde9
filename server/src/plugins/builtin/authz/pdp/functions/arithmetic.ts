/**
 * Arithmetic and numeric conversion (XACML 3.0 §A.3.2–§A.3.4) for integer and double.
 */
import { type Atom, DATA_TYPES, type DataType } from "../datatypes.ts";
import { EvaluationError, STATUS } from "../decision.ts";
import { expectAtom, type Value } from "../values.ts";
import { eager, F1, type FunctionDef } from "./types.ts";

const I = DATA_TYPES.integer;
const D = DATA_TYPES.double;

function numbers(args: readonly Value[], type: DataType, name: string): number[] {
  return args.map((arg, i) => expectAtom(arg, type, `${name} argument ${i + 1}`).value as number);
}

/** An integer result, refused when it leaves the range JavaScript numbers hold exactly. */
function integer(value: number, name: string): Atom {
  if (!Number.isSafeInteger(value)) throw new EvaluationError(STATUS.processingError, `${name}: integer overflow`);
  return { type: I, value };
}

function nonZero(divisor: number, name: string): number {
  if (divisor === 0) throw new EvaluationError(STATUS.processingError, `${name}: division by zero`);
  return divisor;
}

function numeric(type: DataType, name: string, arity: FunctionDef["arity"], fn: (xs: number[]) => number): FunctionDef {
  return eager(arity, type, (args) => {
    const result = fn(numbers(args, type, name));
    return type === I ? integer(result, name) : { type: D, value: result };
  });
}

/** The arithmetic functions by id. */
export function arithmeticFunctions(): [string, FunctionDef][] {
  const defs: [string, FunctionDef][] = [];
  for (const [prefix, type] of [
    ["integer", I],
    ["double", D],
  ] as const) {
    const id = (op: string) => `${prefix}-${op}`;
    defs.push(
      [`${F1}${id("add")}`, numeric(type, id("add"), [2, Infinity], (xs) => xs.reduce((a, b) => a + b))],
      [`${F1}${id("subtract")}`, numeric(type, id("subtract"), 2, ([a, b]) => a! - b!)],
      [`${F1}${id("multiply")}`, numeric(type, id("multiply"), [2, Infinity], (xs) => xs.reduce((a, b) => a * b))],
      [
        `${F1}${id("divide")}`,
        numeric(type, id("divide"), 2, ([a, b]) => {
          const q = a! / nonZero(b!, id("divide"));
          return type === I ? Math.trunc(q) : q;
        }),
      ],
      [`${F1}${id("abs")}`, numeric(type, id("abs"), 1, ([a]) => Math.abs(a!))],
    );
  }
  defs.push(
    [`${F1}integer-mod`, numeric(I, "integer-mod", 2, ([a, b]) => a! % nonZero(b!, "integer-mod"))],
    [`${F1}round`, numeric(D, "round", 1, ([a]) => Math.round(a!))],
    [`${F1}floor`, numeric(D, "floor", 1, ([a]) => Math.floor(a!))],
    [
      `${F1}double-to-integer`,
      eager(1, I, ([a]) => integer(Math.trunc(numbers([a!], D, "double-to-integer")[0]!), "double-to-integer")),
    ],
    [`${F1}integer-to-double`, eager(1, D, ([a]) => ({ type: D, value: numbers([a!], I, "integer-to-double")[0]! }))],
  );
  return defs;
}
