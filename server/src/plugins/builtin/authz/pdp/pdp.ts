/**
 * The Policy Decision Point: evaluates the top-level policy (set) against a request context and
 * reports the decision, why, and (for `/explain`) the trace. Pure: the clock comes in `now`.
 */
import { ATTRIBUTE, CATEGORY, hasAttribute, type PdpRequest, type RequestAttribute } from "./attributes.ts";
import { type Atom, DATA_TYPES } from "./datatypes.ts";
import {
  type Decision,
  type Directive,
  type ResponseDecision,
  responseDecision,
  STATUS,
  type Status,
} from "./decision.ts";
import type { PolicyRef, PolicyTree, TraceNode } from "./model.ts";
import { evaluatePolicy } from "./policy.ts";

export interface DecideOptions {
  /** The current time for the environment attributes the request lacks. Default: now. */
  now?: Date;
  /** Minutes east of UTC of the PDP's zone, for times without one. Default: the host's. */
  defaultOffset?: number;
  /** Record the trace of what was evaluated (for `/explain`). */
  explain?: boolean;
}

/** A decision and everything the PEP and the JSON response need to know about it. */
export interface AuthzDecision {
  decision: ResponseDecision;
  /** With the extended Indeterminate. */
  extended: Decision;
  status: Status;
  obligations: Directive[];
  advice: Directive[];
  /** The policy that settled the decision: the innermost one whose evaluation produced it. */
  policyId: string;
  ruleId?: string;
  /** The policies and policy sets that applied (XACML's `PolicyIdentifierList`). */
  applicable: PolicyRef[];
  trace?: TraceNode[];
}

/** The wall-clock reading of `now` in a zone, as XACML time, date and dateTime atoms. */
export function clockAtoms(now: Date, offset: number): { time: Atom; date: Atom; dateTime: Atom } {
  const wall = now.getTime() + offset * 60_000;
  const day = Math.floor(wall / 86_400_000) * 86_400_000;
  return {
    time: { type: DATA_TYPES.time, value: (wall - day) / 1000, offset },
    date: { type: DATA_TYPES.date, value: day, offset },
    dateTime: { type: DATA_TYPES.dateTime, value: wall, offset },
  };
}

/**
 * The request with `current-time`, `current-date` and `current-dateTime` added where it lacks
 * them, as the context handler must (XACML 3.0 §10.2.5). The given request is not changed.
 */
export function withEnvironment(request: PdpRequest, now: Date, offset: number): PdpRequest {
  const copy: PdpRequest = new Map(request);
  const env = new Map<string, RequestAttribute[]>(copy.get(CATEGORY.environment) ?? []);
  copy.set(CATEGORY.environment, env);
  const clock = clockAtoms(now, offset);
  const fill = (id: string, value: Atom) => {
    if (!hasAttribute(request, CATEGORY.environment, id)) env.set(id, [{ value }]);
  };
  fill(ATTRIBUTE.currentTime, clock.time);
  fill(ATTRIBUTE.currentDate, clock.date);
  fill(ATTRIBUTE.currentDateTime, clock.dateTime);
  return copy;
}

/**
 * Decides a request.
 *
 * @example
 * const root = rootPolicySet(parsedEntries);
 * const result = decide(root, request, { now: new Date() });
 * if (result.decision !== "Permit") deny(result.policyId);
 */
export function decide(root: PolicyTree, request: PdpRequest, options: DecideOptions = {}): AuthzDecision {
  const now = options.now ?? new Date();
  const defaultOffset = options.defaultOffset ?? -now.getTimezoneOffset();
  const applicable: PolicyRef[] = [];
  const trace: TraceNode[] | undefined = options.explain ? [] : undefined;
  const result = evaluatePolicy(root, {
    request: withEnvironment(request, now, defaultOffset),
    defaultOffset,
    applicable,
    ...(trace ? { trace } : {}),
  });
  return {
    decision: responseDecision(result.decision),
    extended: result.decision,
    status: result.status ?? { code: STATUS.ok },
    obligations: result.obligations,
    advice: result.advice,
    policyId: result.policyId ?? root.id,
    ...(result.ruleId === undefined ? {} : { ruleId: result.ruleId }),
    applicable,
    ...(trace ? { trace } : {}),
  };
}
