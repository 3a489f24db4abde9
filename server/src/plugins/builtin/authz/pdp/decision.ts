/**
 * The values a XACML 3.0 evaluation produces: decisions (with the extended Indeterminate of
 * XACML 3.0 §7.10), status codes, obligations and advice. Shared by every PDP file.
 */
import type { Atom } from "./datatypes.ts";
import type { Status } from "./status.ts";

// Status codes and EvaluationError live in status.ts (datatypes.ts needs them, and this file
// needs datatypes.ts's Atom); re-exported here, where every PDP file has found them.
export type { Status, StatusCode } from "./status.ts";
export { EvaluationError, STATUS, statusOf } from "./status.ts";

/** A rule's or policy's effect. */
export type Effect = "Permit" | "Deny";

/**
 * A decision, with Indeterminate split by what the element could have decided had it not
 * failed: `{D}` could have been Deny, `{P}` Permit, `{DP}` either (XACML 3.0 §7.10, Appendix C).
 */
export type Decision =
  | "Permit"
  | "Deny"
  | "NotApplicable"
  | "Indeterminate{D}"
  | "Indeterminate{P}"
  | "Indeterminate{DP}";

/** The decisions of the XACML response: the extended Indeterminate collapses to one. */
export type ResponseDecision = "Permit" | "Deny" | "NotApplicable" | "Indeterminate";

/** One evaluated `AttributeAssignment` of an obligation or advice. */
export interface AttributeAssignment {
  attributeId: string;
  category?: string;
  issuer?: string;
  value: Atom;
}

/** An obligation or advice the PEP receives (they have the same shape). */
export interface Directive {
  id: string;
  assignments: AttributeAssignment[];
}

/** What evaluating a rule, a policy or a policy set yields. */
export interface Outcome {
  decision: Decision;
  /** Obligations for the PEP; only on Permit and Deny. */
  obligations: Directive[];
  advice: Directive[];
  /** Why an Indeterminate is one. */
  status?: Status;
  /** The innermost policy (or policy set) whose own evaluation settled the decision. */
  policyId?: string;
  /** The rule that settled it, when one did. */
  ruleId?: string;
}

/** The Indeterminate an element with this effect yields when it fails (XACML 3.0 §7.11). */
export function indeterminateOf(effect: Effect): Decision {
  return effect === "Permit" ? "Indeterminate{P}" : "Indeterminate{D}";
}

export function isIndeterminate(decision: Decision): boolean {
  return decision.startsWith("Indeterminate");
}

/** The decision as the XACML response states it. */
export function responseDecision(decision: Decision): ResponseDecision {
  return isIndeterminate(decision) ? "Indeterminate" : (decision as ResponseDecision);
}

/** An outcome that carries nothing but its decision. */
export function outcome(decision: Decision, extra: Partial<Outcome> = {}): Outcome {
  return { decision, obligations: [], advice: [], ...extra };
}
