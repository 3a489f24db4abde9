/**
 * Evaluates expression trees (XACML 3.0 §7.9): values, designators, `Apply` of the registry's
 * functions, function references and variable references. Errors are EvaluationErrors; the
 * caller turns them into Indeterminate.
 */
import { designate } from "./attributes.ts";
import { DATA_TYPES } from "./datatypes.ts";
import { EvaluationError, STATUS } from "./decision.ts";
import { acceptsArity, callFunction, FUNCTIONS, type FunctionEnv } from "./functions/index.ts";
import type { EvalContext, Expression } from "./model.ts";
import { expectAtom, type Value } from "./values.ts";

/** Marks a variable being evaluated, so that a cycle is an error rather than a stack overflow. */
const EVALUATING: Value = { kind: "function", id: "(evaluating)" };

/**
 * The value of an expression.
 * @throws EvaluationError when an attribute that must be present is missing, a function fails,
 *   or an argument has the wrong type
 */
export function evaluate(expression: Expression, ctx: EvalContext): Value {
  switch (expression.kind) {
    case "value":
      return expression.value;
    case "designator":
      return designate(ctx.request, expression.designator);
    case "function":
      return { kind: "function", id: expression.functionId };
    case "variable":
      return variable(expression.variableId, ctx);
    case "apply": {
      const def = FUNCTIONS.get(expression.functionId);
      if (!def) throw new EvaluationError(STATUS.syntaxError, `unknown function ${expression.functionId}`);
      if (!acceptsArity(def, expression.args.length)) {
        throw new EvaluationError(STATUS.syntaxError, `${expression.functionId}: wrong number of arguments`);
      }
      const env: FunctionEnv = {
        defaultOffset: ctx.defaultOffset,
        call: (id, args) => callFunction(id, args, { defaultOffset: ctx.defaultOffset }),
      };
      return def.apply(
        expression.args.map((arg) => () => evaluate(arg, ctx)),
        env,
      );
    }
  }
}

function variable(id: string, ctx: EvalContext): Value {
  const scope = ctx.variables;
  const definition = scope?.definitions.get(id);
  if (!scope || !definition) throw new EvaluationError(STATUS.syntaxError, `undefined variable ${id}`);
  const known = scope.values.get(id);
  if (known === EVALUATING) throw new EvaluationError(STATUS.syntaxError, `variable ${id} refers to itself`);
  if (known) return known;
  scope.values.set(id, EVALUATING);
  try {
    const value = evaluate(definition, ctx);
    scope.values.set(id, value);
    return value;
  } catch (error) {
    scope.values.delete(id);
    throw error;
  }
}

/**
 * A `<Condition>`: its expression must be a boolean.
 * @throws EvaluationError as `evaluate`, or when the value is not a boolean
 */
export function evaluateCondition(expression: Expression, ctx: EvalContext): boolean {
  return expectAtom(evaluate(expression, ctx), DATA_TYPES.boolean, "Condition").value as boolean;
}
