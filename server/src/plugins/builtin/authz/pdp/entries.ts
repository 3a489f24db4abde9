/**
 * The policy store's entries: each a XACML Policy, a PolicySet, or the short form, told apart by
 * their id key (`PolicyId`, `PolicySetId`, `id`). Parses and validates them, names faults by JSON
 * path, and builds the top-level policy set the PDP evaluates.
 */
import type { z } from "zod";
import { nestsDeeperThan } from "../../../../util/json-depth.ts";
import { algorithmUrn } from "./combining.ts";
import type { PolicySetNode, PolicyTree } from "./model.ts";
import { policySchema, policySetSchema } from "./schema.ts";
import { compileShortForm, shortFormSchema } from "./short-form.ts";

/** Arrays and objects a policy may nest (JSON levels: a XACML level takes two or three). */
export const MAX_POLICY_DEPTH = 100;

export type PolicyForm = "Policy" | "PolicySet" | "short";

/** One stored policy: its source JSON (kept as given) and what it compiles to. */
export interface PolicyEntry {
  readonly id: string;
  readonly form: PolicyForm;
  /** Orders entries under the top-level algorithm, lower first; 0 unless a short form sets it. */
  readonly priority: number;
  readonly source: unknown;
  readonly node: PolicyTree;
}

/** A validation fault: `path` is a JSON path such as `$[2].Rule[0].Effect`. */
export interface PolicyIssue {
  path: string;
  message: string;
}

export type Parsed<T> = { ok: true; value: T } | { ok: false; issues: PolicyIssue[] };

/** The id of the implicit top-level policy set: the "deciding policy" when none applies. */
export const ROOT_POLICY_ID = "buntime:root";

/** `$`, `[0]`, `.Rule` … as a JSON path. */
export function jsonPath(base: string, path: readonly PropertyKey[]): string {
  return path.reduce<string>((out, key) => {
    if (typeof key === "number") return `${out}[${key}]`;
    const name = String(key);
    return /^[A-Za-z_$][\w$]*$/.test(name) ? `${out}.${name}` : `${out}[${JSON.stringify(name)}]`;
  }, base);
}

/** Issues as one line: `$[0].Rule[0].Effect: Invalid option…; …`. */
export function formatIssues(issues: readonly PolicyIssue[]): string {
  return issues.map((issue) => `${issue.path}: ${issue.message}`).join("; ");
}

/** A zod error's issues, their paths as JSON paths below `base`. */
export function zodIssues(error: z.ZodError, base = "$"): PolicyIssue[] {
  return error.issues.map((issue) => ({ path: jsonPath(base, issue.path), message: issue.message }));
}

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === "object" && v !== null && !Array.isArray(v);

/** Validates and compiles one entry; `base` prefixes the paths of its issues. */
export function parseEntry(raw: unknown, base = "$"): Parsed<PolicyEntry> {
  const fail = (message: string): Parsed<PolicyEntry> => ({ ok: false, issues: [{ path: base, message }] });
  if (!isObject(raw)) return fail("a policy is a JSON object");
  // Before the schemas, which are recursive: 5,000 nested PolicySets overflowed the stack (a 500).
  if (nestsDeeperThan(raw, MAX_POLICY_DEPTH)) return fail(`a policy nests deeper than ${MAX_POLICY_DEPTH} levels`);
  if ("PolicySetId" in raw) {
    const r = policySetSchema.safeParse(raw);
    if (!r.success) return { ok: false, issues: zodIssues(r.error, base) };
    return { ok: true, value: { id: r.data.id, form: "PolicySet", priority: 0, source: raw, node: r.data } };
  }
  if ("PolicyId" in raw) {
    const r = policySchema.safeParse(raw);
    if (!r.success) return { ok: false, issues: zodIssues(r.error, base) };
    return { ok: true, value: { id: r.data.id, form: "Policy", priority: 0, source: raw, node: r.data } };
  }
  if ("id" in raw) {
    const r = shortFormSchema.safeParse(raw);
    if (!r.success) return { ok: false, issues: zodIssues(r.error, base) };
    return {
      ok: true,
      value: { id: r.data.id, form: "short", priority: r.data.priority, source: raw, node: compileShortForm(r.data) },
    };
  }
  return fail("a policy has PolicyId (a XACML Policy), PolicySetId (a XACML PolicySet) or id (the short form)");
}

/** Validates a whole policy array: every entry, and no id used twice. */
export function parseEntries(raw: unknown, base = "$"): Parsed<PolicyEntry[]> {
  if (!Array.isArray(raw)) return { ok: false, issues: [{ path: base, message: "policies are a JSON array" }] };
  const entries: PolicyEntry[] = [];
  const issues: PolicyIssue[] = [];
  const seen = new Set<string>();
  raw.forEach((item, i) => {
    const parsed = parseEntry(item, `${base}[${i}]`);
    if (!parsed.ok) {
      issues.push(...parsed.issues);
      return;
    }
    if (seen.has(parsed.value.id)) {
      issues.push({ path: `${base}[${i}]`, message: `the id ${JSON.stringify(parsed.value.id)} is used twice` });
    }
    seen.add(parsed.value.id);
    entries.push(parsed.value);
  });
  return issues.length > 0 ? { ok: false, issues } : { ok: true, value: entries };
}

/**
 * The top-level policy set: every entry under `algorithm` (a policy-combining URN), ordered by
 * priority, lower first; entries of equal priority keep their order in the store.
 */
export function rootPolicySet(
  entries: readonly PolicyEntry[],
  algorithm = algorithmUrn("deny-unless-permit", "policy"),
): PolicySetNode {
  const ordered = entries
    .map((entry, index) => ({ entry, index }))
    .sort((a, b) => a.entry.priority - b.entry.priority || a.index - b.index)
    .map(({ entry }) => entry.node);
  return {
    kind: "PolicySet",
    id: ROOT_POLICY_ID,
    version: "1.0",
    target: [],
    algorithm,
    children: ordered,
    obligations: [],
    advice: [],
  };
}
