/**
 * The combining algorithms of XACML 3.0 Appendix C, as pure functions over children that are
 * evaluated lazily and in order (so first-applicable and the *-overrides stop early). The rule-
 * and policy-combining variants of an algorithm are one function: in XACML 3.0 they differ only
 * in what they combine (only-one-applicable exists for policies alone).
 */
import { type Decision, isIndeterminate, STATUS, type Status } from "./decision.ts";
import type { TargetResult } from "./target.ts";

/** What an algorithm needs of a child: its id, its evaluation and, for only-one-applicable, its target. */
export interface Combinable<R extends Combinee> {
  readonly id: string;
  evaluate(): R;
  /** The child's own target, asked before evaluating it (only-one-applicable). */
  applicable?(): TargetResult;
}

export interface Combinee {
  decision: Decision;
  status?: Status;
}

export interface Combined<R> {
  decision: Decision;
  /** The child whose decision settled the result; undefined when the algorithm decided alone. */
  decidedBy?: R;
  /** Evaluated children whose decision equals the result: their obligations and advice go on (§7.18). */
  contributors: R[];
  status?: Status;
}

export type CombiningAlgorithm = <R extends Combinee>(children: readonly Combinable<R>[]) => Combined<R>;

function notApplicable<R>(): Combined<R> {
  return { decision: "NotApplicable", contributors: [] };
}

function settledBy<R extends Combinee>(decision: Decision, child: R, contributors: R[] = []): Combined<R> {
  return { decision, decidedBy: child, contributors, status: isIndeterminate(decision) ? child.status : undefined };
}

/**
 * deny-overrides (C.2) and permit-overrides (C.4), one being the other with the effects swapped:
 * the overriding effect wins at once; otherwise an Indeterminate that could have been it taints
 * the result as the spec's table says.
 */
function overrides(wins: "Deny" | "Permit"): CombiningAlgorithm {
  const loses = wins === "Deny" ? "Permit" : "Deny";
  const errWins: Decision = wins === "Deny" ? "Indeterminate{D}" : "Indeterminate{P}";
  const errLoses: Decision = wins === "Deny" ? "Indeterminate{P}" : "Indeterminate{D}";
  return <R extends Combinee>(children: readonly Combinable<R>[]): Combined<R> => {
    const seen: R[] = [];
    for (const child of children) {
      const result = child.evaluate();
      if (result.decision === wins) return settledBy(wins, result, [result]);
      seen.push(result);
    }
    const first = (decision: Decision) => seen.find((r) => r.decision === decision);
    const errorDP = first("Indeterminate{DP}");
    const errorWins = first(errWins);
    const errorLoses = first(errLoses);
    const lost = first(loses);
    if (errorDP) return settledBy("Indeterminate{DP}", errorDP);
    if (errorWins && (errorLoses || lost)) return settledBy("Indeterminate{DP}", errorWins);
    if (errorWins) return settledBy(errWins, errorWins);
    if (lost)
      return settledBy(
        loses,
        lost,
        seen.filter((r) => r.decision === loses),
      );
    if (errorLoses) return settledBy(errLoses, errorLoses);
    return notApplicable();
  };
}

/** first-applicable (C.8): the first child that is not NotApplicable decides, Indeterminate included. */
const firstApplicable: CombiningAlgorithm = (children) => {
  for (const child of children) {
    const result = child.evaluate();
    if (result.decision === "NotApplicable") continue;
    return settledBy(result.decision, result, isIndeterminate(result.decision) ? [] : [result]);
  }
  return notApplicable();
};

/**
 * only-one-applicable (C.9, policies only): by targets alone, exactly one child may apply, and it
 * decides; two applicable children or an Indeterminate target make Indeterminate{DP}.
 */
const onlyOneApplicable: CombiningAlgorithm = (children) => {
  let selected: (typeof children)[number] | undefined;
  for (const child of children) {
    const target = child.applicable?.() ?? { result: "Match" };
    if (target.result === "Indeterminate") {
      return {
        decision: "Indeterminate{DP}",
        contributors: [],
        status: target.status ?? {
          code: STATUS.processingError,
          message: `the target of ${child.id} is Indeterminate`,
        },
      };
    }
    if (target.result === "NoMatch") continue;
    if (selected) {
      return {
        decision: "Indeterminate{DP}",
        contributors: [],
        status: {
          code: STATUS.processingError,
          message: `only-one-applicable: both ${selected.id} and ${child.id} apply`,
        },
      };
    }
    selected = child;
  }
  return selected ? firstApplicable([selected]) : notApplicable();
};

/**
 * deny-unless-permit (C.10) and permit-unless-deny (C.11): the named effect wins at once,
 * anything else (NotApplicable and Indeterminate included) yields the other effect.
 */
function unless(wins: "Deny" | "Permit"): CombiningAlgorithm {
  const otherwise = wins === "Permit" ? "Deny" : "Permit";
  return <R extends Combinee>(children: readonly Combinable<R>[]): Combined<R> => {
    const same: R[] = [];
    for (const child of children) {
      const result = child.evaluate();
      if (result.decision === wins) return settledBy(wins, result, [result]);
      if (result.decision === otherwise) same.push(result);
    }
    return { decision: otherwise, decidedBy: same[0], contributors: same };
  };
}

const BY_NAME: Record<string, CombiningAlgorithm> = {
  "deny-overrides": overrides("Deny"),
  "permit-overrides": overrides("Permit"),
  // The ordered variants (C.3, C.5) guarantee the order this PDP always uses.
  "ordered-deny-overrides": overrides("Deny"),
  "ordered-permit-overrides": overrides("Permit"),
  "first-applicable": firstApplicable,
  "only-one-applicable": onlyOneApplicable,
  "deny-unless-permit": unless("Permit"),
  "permit-unless-deny": unless("Deny"),
};

export type AlgorithmKind = "rule" | "policy";

const XACML1 = new Set(["first-applicable", "only-one-applicable"]);

/** The spec's URN of an algorithm: 1.0 for first- and only-one-applicable, 3.0 for the rest (Appendix B.9). */
export function algorithmUrn(name: string, kind: AlgorithmKind): string {
  const version = XACML1.has(name) ? "1.0" : "3.0";
  return `urn:oasis:names:tc:xacml:${version}:${kind}-combining-algorithm:${name}`;
}

/** The algorithm names each kind accepts. */
export const ALGORITHM_NAMES: Record<AlgorithmKind, readonly string[]> = {
  rule: Object.keys(BY_NAME).filter((name) => name !== "only-one-applicable"),
  policy: Object.keys(BY_NAME),
};

/**
 * The canonical URN for an algorithm given as its URN or its short name (`deny-unless-permit`).
 * A 3.0-prefixed first-applicable is read as the 1.0 one; the legacy 1.0/1.1 *-overrides, which
 * lack the extended Indeterminate, are refused (undefined).
 */
export function canonicalAlgorithm(id: string, kind: AlgorithmKind): string | undefined {
  const prefix = new RegExp(`^urn:oasis:names:tc:xacml:(1\\.0|3\\.0):${kind}-combining-algorithm:`);
  const match = prefix.exec(id);
  const name = match ? id.slice(match[0].length) : id;
  if (!ALGORITHM_NAMES[kind].includes(name)) return undefined;
  if (match?.[1] === "1.0" && !XACML1.has(name)) return undefined;
  return algorithmUrn(name, kind);
}

/** The algorithm of a canonical URN (either kind). */
export function combiningAlgorithm(urn: string): CombiningAlgorithm {
  const name = urn.slice(urn.lastIndexOf(":") + 1);
  const algorithm = BY_NAME[name];
  if (!algorithm) throw new Error(`unknown combining algorithm ${urn}`);
  return algorithm;
}
