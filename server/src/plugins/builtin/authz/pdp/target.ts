/**
 * Target evaluation (XACML 3.0 §7.6–§7.7): a `<Match>` over a bag, then `<AllOf>` (AND),
 * `<AnyOf>` (OR) and `<Target>` (AND), each with its own Indeterminate rule.
 */

import { designate } from "./attributes.ts";
import { DATA_TYPES } from "./datatypes.ts";
import { type Status, statusOf } from "./decision.ts";
import { callFunction } from "./functions/index.ts";
import type { EvalContext, MatchNode, MatchResult, TargetNode } from "./model.ts";
import { expectAtom } from "./values.ts";

export interface TargetResult {
  result: MatchResult;
  /** Why it is Indeterminate. */
  status?: Status;
}

const MATCH: TargetResult = { result: "Match" };
const NO_MATCH: TargetResult = { result: "NoMatch" };

/**
 * `MatchId(value, v)` for each value `v` of the designated bag: Match when one is true,
 * Indeterminate when none is and one failed (or the designator did), else NoMatch (§7.6).
 */
export function evaluateMatch(match: MatchNode, ctx: EvalContext): TargetResult {
  let items: ReturnType<typeof designate>["items"];
  try {
    items = designate(ctx.request, match.designator).items;
  } catch (error) {
    return { result: "Indeterminate", status: statusOf(error) };
  }
  let failure: Status | undefined;
  for (const item of items) {
    try {
      const result = callFunction(match.functionId, [match.value, item], { defaultOffset: ctx.defaultOffset });
      if (expectAtom(result, DATA_TYPES.boolean, `Match ${match.functionId}`).value === true) return MATCH;
    } catch (error) {
      failure ??= statusOf(error);
    }
  }
  return failure ? { result: "Indeterminate", status: failure } : NO_MATCH;
}

/** AND over results: NoMatch wins, then Indeterminate, else Match (§7.7 tables 2 and 4). */
function all<T>(parts: readonly T[], evaluate: (part: T) => TargetResult): TargetResult {
  let failure: TargetResult | undefined;
  for (const part of parts) {
    const r = evaluate(part);
    if (r.result === "NoMatch") return NO_MATCH;
    if (r.result === "Indeterminate") failure ??= r;
  }
  return failure ?? MATCH;
}

/** OR over results: Match wins, then Indeterminate, else NoMatch (§7.7 table 3). */
function any<T>(parts: readonly T[], evaluate: (part: T) => TargetResult): TargetResult {
  let failure: TargetResult | undefined;
  for (const part of parts) {
    const r = evaluate(part);
    if (r.result === "Match") return MATCH;
    if (r.result === "Indeterminate") failure ??= r;
  }
  return failure ?? NO_MATCH;
}

/** A `<Target>`; the empty target matches every request. */
export function evaluateTarget(target: TargetNode, ctx: EvalContext): TargetResult {
  return all(target, (anyOf) => any(anyOf, (allOf) => all(allOf, (match) => evaluateMatch(match, ctx))));
}
