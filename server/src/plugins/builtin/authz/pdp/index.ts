/**
 * A XACML 3.0 Policy Decision Point as pure functions. Written for Buntime rather than taken
 * from a library: no maintained JavaScript implementation of XACML 3.0 (with the extended
 * Indeterminate of Appendix C) was found, so evaluation is done here, by the spec.
 *
 * The surface: request attributes and JSON Profile requests in, policies parsed and compiled
 * (`parseEntries`, `rootPolicySet`) once per store change, `decide` and its result out. The list
 * is sorted by module because Biome orders exports; group comments would not stay in place.
 */

export { ATTRIBUTE, addAttribute, CATEGORY, claimAttribute, type PdpRequest } from "./attributes.ts";
export { canonicalAlgorithm } from "./combining.ts";
export { type Atom, atom, DATA_TYPES, type DataType, formatAtom, inferType, parseAtom } from "./datatypes.ts";
export type { Decision, Directive, Effect, ResponseDecision, Status } from "./decision.ts";
export { STATUS } from "./decision.ts";
export {
  formatIssues,
  type Parsed,
  type PolicyEntry,
  type PolicyForm,
  type PolicyIssue,
  parseEntries,
  parseEntry,
  ROOT_POLICY_ID,
  rootPolicySet,
  zodIssues,
} from "./entries.ts";
export { globMatcher } from "./glob.ts";
export { type JsonRequest, jsonResponse, parseJsonRequest } from "./json-profile.ts";
export type { PolicyNode, PolicyRef, PolicySetNode, PolicyTree, TraceNode } from "./model.ts";
export { type AuthzDecision, type DecideOptions, decide } from "./pdp.ts";
