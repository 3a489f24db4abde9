/**
 * The function registry: every XACML function id this PDP evaluates. Written here rather than
 * taken from a library: no maintained JavaScript implementation of XACML 3.0 (its functions and
 * the extended Indeterminate) was found, and only zod, hono and node built-ins are dependencies.
 */
import { EvaluationError, STATUS } from "../decision.ts";
import type { Value } from "../values.ts";
import { arithmeticFunctions } from "./arithmetic.ts";
import { bagFunctions } from "./bags.ts";
import { compareFunctions } from "./compare.ts";
import { higherOrderFunctions } from "./higher-order.ts";
import { logicFunctions } from "./logic.ts";
import { stringFunctions } from "./strings.ts";
import { acceptsArity, type FunctionDef, type FunctionEnv } from "./types.ts";

export { acceptsArity, F1, F2, F3, type FunctionDef, type FunctionEnv, type Thunk } from "./types.ts";

/** Every function by its XACML id. */
export const FUNCTIONS: ReadonlyMap<string, FunctionDef> = new Map([
  ...compareFunctions(),
  ...arithmeticFunctions(),
  ...stringFunctions(),
  ...logicFunctions(),
  ...bagFunctions(),
  ...higherOrderFunctions(),
]);

/**
 * Applies a function to evaluated arguments (what higher-order functions and tests use).
 * @throws EvaluationError for an unknown function, a wrong argument count or a mistyped argument
 */
export function callFunction(id: string, args: readonly Value[], env: Omit<FunctionEnv, "call">): Value {
  const def = FUNCTIONS.get(id);
  if (!def) throw new EvaluationError(STATUS.syntaxError, `unknown function ${id}`);
  if (!acceptsArity(def, args.length)) {
    throw new EvaluationError(STATUS.syntaxError, `${id}: wrong number of arguments (${args.length})`);
  }
  const full: FunctionEnv = { ...env, call: (inner, innerArgs) => callFunction(inner, innerArgs, env) };
  return def.apply(
    args.map((arg) => () => arg),
    full,
  );
}
