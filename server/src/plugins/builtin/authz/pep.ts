/**
 * The Policy Enforcement Point's rules (XACML 3.0 §7.2, the deny-biased PEP): only Permit lets
 * a request through, and only when every obligation is one this PEP can fulfil; advice it
 * understands is followed, the rest ignored. Pure: it says what to do, the plugin does it.
 */
import { type AuthzDecision, type Directive, formatAtom, ROOT_POLICY_ID } from "./pdp/index.ts";

/** The obligations (and advice) Buntime's PEP fulfils. */
export const OBLIGATION = {
  /** Log a line with the assignments as fields. */
  log: "urn:buntime:obligation:log",
  /** Set a response header: assignments `name` and `value`. */
  responseHeader: "urn:buntime:obligation:response-header",
} as const;

export type PepAction =
  | { kind: "log"; id: string; fields: Record<string, unknown> }
  | { kind: "header"; name: string; value: string };

export interface Enforcement {
  allow: boolean;
  /** Why it is denied: names the deciding policy. */
  reason?: string;
  /** What to do for the obligations and advice (also on deny: logging a denial is an obligation too). */
  actions: PepAction[];
}

const TOKEN = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/;

function assignment(directive: Directive, id: string): string | undefined {
  const found = directive.assignments.filter((a) => a.attributeId === id);
  return found.length === 1 ? String(formatAtom(found[0]!.value)) : undefined;
}

/** What fulfilling a directive takes, or undefined when this PEP cannot. */
export function understand(directive: Directive): PepAction | undefined {
  switch (directive.id) {
    case OBLIGATION.log:
      return {
        kind: "log",
        id: directive.id,
        fields: Object.fromEntries(directive.assignments.map((a) => [a.attributeId, formatAtom(a.value)])),
      };
    case OBLIGATION.responseHeader: {
      const name = assignment(directive, "name");
      const value = assignment(directive, "value");
      if (!name || value === undefined || !TOKEN.test(name) || /[\r\n]/.test(value)) return undefined;
      return { kind: "header", name, value };
    }
    default:
      return undefined;
  }
}

function deciding(result: AuthzDecision): string {
  return `policy "${result.policyId}"${result.ruleId ? ` (rule "${result.ruleId}")` : ""}`;
}

function why(result: AuthzDecision): string {
  switch (result.decision) {
    case "Deny":
      return result.policyId === ROOT_POLICY_ID && !result.ruleId
        ? `no policy permits it (denied by ${deciding(result)})`
        : `denied by ${deciding(result)}`;
    case "NotApplicable":
      return `no policy applies (decided by ${deciding(result)})`;
    case "Indeterminate":
      return `${deciding(result)} could not be evaluated: ${result.status.message ?? result.status.code}`;
    default:
      return `permitted by ${deciding(result)}`;
  }
}

/** Enforces a decision: anything but Permit, or an obligation that cannot be fulfilled, denies. */
export function enforce(result: AuthzDecision): Enforcement {
  const actions: PepAction[] = [];
  for (const obligation of result.obligations) {
    const action = understand(obligation);
    if (!action) {
      return {
        allow: false,
        reason: `${deciding(result)} requires obligation "${obligation.id}", which cannot be fulfilled`,
        actions: [],
      };
    }
    actions.push(action);
  }
  for (const advice of result.advice) {
    const action = understand(advice);
    if (action) actions.push(action);
  }
  if (result.decision !== "Permit") return { allow: false, reason: why(result), actions };
  return { allow: true, actions };
}
