/**
 * A XACML 3.0 Policy Decision Point as pure functions. Written for Buntime rather than taken
 * from a library: no maintained JavaScript implementation of XACML 3.0 (with the extended
 * Indeterminate of Appendix C) was found, so evaluation is done here, by the spec.
 */

// Request context
export {
  ATTRIBUTE,
  addAttribute,
  attributeId,
  CATEGORY,
  categoryId,
  claimAttribute,
  type PdpRequest,
} from "./attributes.ts";
export { ALGORITHM_NAMES, algorithmUrn, canonicalAlgorithm } from "./combining.ts";
// Values
export { type Atom, atom, DATA_TYPES, type DataType, formatAtom, inferType, parseAtom } from "./datatypes.ts";
export type { Decision, Directive, Effect, Outcome, ResponseDecision, Status } from "./decision.ts";
export { STATUS } from "./decision.ts";
export {
  formatIssues,
  jsonPath,
  type Parsed,
  type PolicyEntry,
  type PolicyForm,
  type PolicyIssue,
  parseEntries,
  parseEntry,
  ROOT_POLICY_ID,
  rootPolicySet,
} from "./entries.ts";
export { globMatcher } from "./glob.ts";
export { type JsonRequest, jsonResponse, parseJsonRequest } from "./json-profile.ts";
// Policies
export type { PolicyNode, PolicyRef, PolicySetNode, PolicyTree, TraceNode } from "./model.ts";
// Deciding
export { type AuthzDecision, type DecideOptions, decide } from "./pdp.ts";
