/**
 * Obligation and advice expressions (XACML 3.0 §5.39–§5.43, §7.18): those whose `FulfillOn` /
 * `AppliesTo` equals the decision are evaluated into the directives the PEP receives.
 */
import type { Directive, Effect } from "./decision.ts";
import { evaluate } from "./expression.ts";
import type { DirectiveExpression, EvalContext } from "./model.ts";
import { expectAtom, isBag } from "./values.ts";

/**
 * The directives for `effect`. An assignment whose expression is a bag yields one assignment per
 * value (none for an empty bag), as §5.41 says.
 * @throws EvaluationError when an assignment's expression fails: the element becomes Indeterminate
 */
export function evaluateDirectives(
  expressions: readonly DirectiveExpression[],
  effect: Effect,
  ctx: EvalContext,
): Directive[] {
  const out: Directive[] = [];
  for (const expression of expressions) {
    if (expression.appliesTo !== effect) continue;
    const assignments: Directive["assignments"] = [];
    for (const { expression: expr, ...where } of expression.assignments) {
      const value = evaluate(expr, ctx);
      const values = isBag(value)
        ? value.items
        : [expectAtom(value, undefined, `${expression.id} ${where.attributeId}`)];
      for (const v of values) assignments.push({ ...where, value: v });
    }
    out.push({ id: expression.id, assignments });
  }
  return out;
}
