/**
 * Policy and policy-set evaluation (XACML 3.0 §7.12–§7.13): the target, the combining algorithm
 * over the rules or the child policies, the Indeterminate-target table (table 7), and the
 * policy's own obligations and advice on top of its contributors'.
 */
import { type Combinable, combiningAlgorithm } from "./combining.ts";
import { type Decision, isIndeterminate, type Outcome, outcome, statusOf } from "./decision.ts";
import type { EvalContext, PolicyTree, TraceNode } from "./model.ts";
import { evaluateDirectives } from "./obligations.ts";
import { evaluateRule } from "./rule.ts";
import { evaluateTarget } from "./target.ts";

/** Table 7: what a policy whose target is Indeterminate yields, given its combined decision. */
export function indeterminateTarget(combined: Decision): Decision {
  switch (combined) {
    case "NotApplicable":
      return "NotApplicable";
    case "Permit":
      return "Indeterminate{P}";
    case "Deny":
      return "Indeterminate{D}";
    default:
      return combined;
  }
}

/** Evaluates a Policy or a PolicySet against the request in `ctx`. */
export function evaluatePolicy(node: PolicyTree, ctx: EvalContext): Outcome {
  const target = evaluateTarget(node.target, ctx);
  const trace: TraceNode | undefined = ctx.trace && {
    kind: node.kind,
    id: node.id,
    target: target.result,
    decision: "NotApplicable",
    children: [],
  };
  const inner: EvalContext = {
    ...ctx,
    variables: node.kind === "Policy" ? { definitions: node.variables, values: new Map() } : undefined,
    trace: trace?.children,
  };
  const result = target.result === "NoMatch" ? outcome("NotApplicable", { policyId: node.id }) : combine();
  if (result.decision !== "NotApplicable")
    ctx.applicable?.push({ kind: node.kind, id: node.id, version: node.version });
  if (trace) {
    trace.decision = result.decision;
    if (result.status) trace.status = result.status;
    ctx.trace?.push(trace);
  }
  return result;

  function combine(): Outcome {
    const children: Combinable<Outcome>[] =
      node.kind === "Policy"
        ? node.rules.map((rule) => ({ id: rule.id, evaluate: () => evaluateRule(rule, inner) }))
        : node.children.map((child) => ({
            id: child.id,
            evaluate: () => evaluatePolicy(child, inner),
            applicable: () => evaluateTarget(child.target, inner),
          }));
    const combined = combiningAlgorithm(node.algorithm)(children);
    const by = combined.decidedBy;
    // A rule's outcome names no policy: the deciding policy is then this one.
    const origin = { policyId: by?.policyId ?? node.id, ruleId: by?.ruleId };
    if (target.result === "Indeterminate") {
      const decision = indeterminateTarget(combined.decision);
      return outcome(decision, { policyId: node.id, status: target.status });
    }
    const decision = combined.decision;
    if (decision !== "Permit" && decision !== "Deny") {
      return outcome(decision, { ...origin, status: isIndeterminate(decision) ? combined.status : undefined });
    }
    try {
      return outcome(decision, {
        ...origin,
        obligations: [
          ...combined.contributors.flatMap((c) => c.obligations),
          ...evaluateDirectives(node.obligations, decision, inner),
        ],
        advice: [
          ...combined.contributors.flatMap((c) => c.advice),
          ...evaluateDirectives(node.advice, decision, inner),
        ],
      });
    } catch (error) {
      return outcome(decision === "Permit" ? "Indeterminate{P}" : "Indeterminate{D}", {
        policyId: node.id,
        status: statusOf(error),
      });
    }
  }
}
