/**
 * The shape of a XACML function (XACML 3.0 Appendix A.3) in this PDP. Every function gets its
 * arguments as thunks, so `and`, `or` and `n-of` can stop early as §A.3.5 requires; the rest
 * are written eagerly and wrapped with `eager`.
 */
import type { DataType, DataTypeName } from "../datatypes.ts";
import type { Value } from "../values.ts";

export const F1 = "urn:oasis:names:tc:xacml:1.0:function:";
export const F2 = "urn:oasis:names:tc:xacml:2.0:function:";
export const F3 = "urn:oasis:names:tc:xacml:3.0:function:";

/** What a function may use besides its arguments. */
export interface FunctionEnv {
  /** Minutes east of UTC for times and dateTimes written without a zone. */
  defaultOffset: number;
  /** Calls another function with evaluated arguments (for any-of, map, …). */
  call(functionId: string, args: readonly Value[]): Value;
}

export type Thunk = () => Value;

export interface FunctionDef {
  /** How many arguments: exactly, or `[min, max]` (max may be Infinity). */
  arity: number | readonly [number, number];
  /** What it returns; only boolean functions may be a Match's `MatchId`. */
  returns: DataType | "bag";
  apply(args: readonly Thunk[], env: FunctionEnv): Value;
}

/** A function that evaluates all its arguments first (every function but and, or, n-of). */
export function eager(
  arity: FunctionDef["arity"],
  returns: FunctionDef["returns"],
  fn: (args: readonly Value[], env: FunctionEnv) => Value,
): FunctionDef {
  return {
    arity,
    returns,
    apply: (args, env) =>
      fn(
        args.map((arg) => arg()),
        env,
      ),
  };
}

/** Whether `count` arguments suit the function. */
export function acceptsArity(def: FunctionDef, count: number): boolean {
  return typeof def.arity === "number" ? count === def.arity : count >= def.arity[0] && count <= def.arity[1];
}

/** The types every `<type>-equal` and bag function exists for. */
export const ALL_TYPES: readonly DataTypeName[] = [
  "string",
  "boolean",
  "integer",
  "double",
  "time",
  "date",
  "dateTime",
  "anyURI",
];

/** The types with an order (`<type>-greater-than` and friends). */
export const ORDERED_TYPES: readonly DataTypeName[] = ["string", "integer", "double", "time", "date", "dateTime"];
