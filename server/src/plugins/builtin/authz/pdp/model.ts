/**
 * The compiled policy model the evaluator walks: what `schema.ts` makes of a policy's JSON, and
 * what the short form compiles to. Plain readonly data, no behaviour.
 */
import type { Designator, PdpRequest } from "./attributes.ts";
import type { Atom } from "./datatypes.ts";
import type { Decision, Effect, Status } from "./decision.ts";
import type { Value } from "./values.ts";

/** An expression (XACML 3.0 §5.25 `<Expression>` substitution group, without AttributeSelector). */
export type Expression =
  | { readonly kind: "value"; readonly value: Atom }
  | { readonly kind: "designator"; readonly designator: Designator }
  | { readonly kind: "apply"; readonly functionId: string; readonly args: readonly Expression[] }
  | { readonly kind: "function"; readonly functionId: string }
  | { readonly kind: "variable"; readonly variableId: string };

/** `<Match>`: `MatchId(AttributeValue, each value of the designated bag)`. */
export interface MatchNode {
  readonly functionId: string;
  readonly value: Atom;
  readonly designator: Designator;
}

/** `<Target>` = AND of `<AnyOf>` = OR of `<AllOf>` = AND of `<Match>`; empty matches anything. */
export type TargetNode = readonly (readonly (readonly MatchNode[])[])[];

/** An `<ObligationExpression>` or `<AdviceExpression>`. */
export interface DirectiveExpression {
  readonly id: string;
  /** `FulfillOn` / `AppliesTo`. */
  readonly appliesTo: Effect;
  readonly assignments: readonly {
    readonly attributeId: string;
    readonly category?: string;
    readonly issuer?: string;
    readonly expression: Expression;
  }[];
}

export interface RuleNode {
  readonly id: string;
  readonly effect: Effect;
  readonly description?: string;
  readonly target: TargetNode;
  readonly condition?: Expression;
  readonly obligations: readonly DirectiveExpression[];
  readonly advice: readonly DirectiveExpression[];
}

/** What a Policy and a PolicySet share. */
interface PolicyCommon {
  readonly id: string;
  readonly version: string;
  readonly description?: string;
  readonly target: TargetNode;
  /** A rule-combining (Policy) or policy-combining (PolicySet) algorithm URN. */
  readonly algorithm: string;
  readonly obligations: readonly DirectiveExpression[];
  readonly advice: readonly DirectiveExpression[];
}

export interface PolicyNode extends PolicyCommon {
  readonly kind: "Policy";
  readonly variables: ReadonlyMap<string, Expression>;
  readonly rules: readonly RuleNode[];
}

export interface PolicySetNode extends PolicyCommon {
  readonly kind: "PolicySet";
  readonly children: readonly PolicyTree[];
}

export type PolicyTree = PolicyNode | PolicySetNode;

export type MatchResult = "Match" | "NoMatch" | "Indeterminate";

/** What `/explain` shows: one node per evaluated policy set, policy and rule. */
export interface TraceNode {
  kind: "PolicySet" | "Policy" | "Rule";
  id: string;
  target: MatchResult;
  /** Rules with a condition: what it evaluated to. */
  condition?: "True" | "False" | "Indeterminate";
  decision: Decision;
  status?: Status;
  children?: TraceNode[];
}

/** A policy that was applicable (for `PolicyIdentifierList`). */
export interface PolicyRef {
  kind: "Policy" | "PolicySet";
  id: string;
  version: string;
}

/** Everything an evaluation reads besides the policies. */
export interface EvalContext {
  readonly request: PdpRequest;
  /** Minutes east of UTC for times without a zone. */
  readonly defaultOffset: number;
  /** The enclosing policy's variables, evaluated at most once each. */
  readonly variables?: { readonly definitions: ReadonlyMap<string, Expression>; readonly values: Map<string, Value> };
  /** Collects the applicable policies, when set. */
  readonly applicable?: PolicyRef[];
  /** Collects the trace, when set (only `/explain` pays for it). */
  readonly trace?: TraceNode[];
}
