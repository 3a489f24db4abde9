/**
 * Rule evaluation (XACML 3.0 §7.11, table 4): target, then condition, then the rule's own
 * obligations and advice when it yields its effect.
 */
import { indeterminateOf, type Outcome, outcome, statusOf } from "./decision.ts";
import { evaluateCondition } from "./expression.ts";
import type { EvalContext, RuleNode, TraceNode } from "./model.ts";
import { evaluateDirectives } from "./obligations.ts";
import { evaluateTarget } from "./target.ts";

/**
 * | target        | condition     | result                         |
 * |---------------|---------------|--------------------------------|
 * | Match         | True (or none)| the effect                     |
 * | Match         | False         | NotApplicable                  |
 * | Match         | Indeterminate | Indeterminate{P} or {D}, by effect |
 * | NoMatch       | —             | NotApplicable                  |
 * | Indeterminate | —             | Indeterminate{P} or {D}, by effect |
 */
export function evaluateRule(rule: RuleNode, ctx: EvalContext): Outcome {
  const target = evaluateTarget(rule.target, ctx);
  const trace: TraceNode | undefined = ctx.trace && {
    kind: "Rule",
    id: rule.id,
    target: target.result,
    decision: "NotApplicable",
  };
  const result = decide();
  if (trace) {
    trace.decision = result.decision;
    if (result.status) trace.status = result.status;
    ctx.trace?.push(trace);
  }
  return result;

  function decide(): Outcome {
    const failed = indeterminateOf(rule.effect);
    if (target.result === "NoMatch") return outcome("NotApplicable", { ruleId: rule.id });
    if (target.result === "Indeterminate") return outcome(failed, { ruleId: rule.id, status: target.status });
    if (rule.condition) {
      let holds: boolean;
      try {
        holds = evaluateCondition(rule.condition, ctx);
      } catch (error) {
        if (trace) trace.condition = "Indeterminate";
        return outcome(failed, { ruleId: rule.id, status: statusOf(error) });
      }
      if (trace) trace.condition = holds ? "True" : "False";
      if (!holds) return outcome("NotApplicable", { ruleId: rule.id });
    }
    try {
      return outcome(rule.effect, {
        ruleId: rule.id,
        obligations: evaluateDirectives(rule.obligations, rule.effect, ctx),
        advice: evaluateDirectives(rule.advice, rule.effect, ctx),
      });
    } catch (error) {
      return outcome(failed, { ruleId: rule.id, status: statusOf(error) });
    }
  }
}
