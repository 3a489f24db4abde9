/**
 * The short form of a policy (docs/extensions.md#buntimeauthz) and its compilation to a XACML Policy:
 * a Target of up to three AnyOf (subjects, resources, actions: the entries of a list are
 * alternatives, the keys of an entry all apply, an empty list matches anything) and one rule
 * with the effect, whose Condition is the `conditions` (again alternatives).
 *
 * @example
 * { "id": "readers-get-echo", "effect": "permit", "priority": 10,
 *   "subjects": [{ "role": "reader" }], "resources": [{ "app": "echo" }, { "path": "/_/stats" }],
 *   "actions": [{ "method": "GET" }], "conditions": [{ "time": { "after": "08:00", "before": "18:00" } }] }
 */
import { z } from "zod";
import { ATTRIBUTE, CATEGORY, claimAttribute, type Designator } from "./attributes.ts";
import { algorithmUrn } from "./combining.ts";
import { type Atom, atom, DATA_TYPES, type DataType, inferType, parseAtom } from "./datatypes.ts";
import { F1, F2 } from "./functions/index.ts";
import { globSource, isGlob } from "./glob.ts";
import type { Expression, MatchNode, PolicyNode } from "./model.ts";

const nonEmpty = z.string().min(1);
const clock = z
  .string()
  .regex(/^([01]\d|2[0-3]):[0-5]\d(:[0-5]\d)?$/, "a time of day is HH:MM or HH:MM:SS")
  .transform((t) => (t.length === 5 ? `${t}:00` : t));

const subject = z
  .strictObject({
    role: nonEmpty.optional(),
    id: nonEmpty.optional(),
    group: nonEmpty.optional(),
    claim: nonEmpty.optional(),
    value: z.union([z.string(), z.number(), z.boolean()]).optional(),
  })
  .superRefine((s, ctx) => {
    if (Object.keys(s).length === 0)
      ctx.addIssue({ code: "custom", message: "a subject names a role, id, group or claim" });
    if ((s.claim === undefined) !== (s.value === undefined)) {
      ctx.addIssue({
        code: "custom",
        message: "a claim needs both claim (its name) and value",
        path: [s.claim ? "value" : "claim"],
      });
    }
  });

const resource = z
  .strictObject({ app: nonEmpty.optional(), path: z.string().startsWith("/").optional() })
  .refine((r) => r.app !== undefined || r.path !== undefined, "a resource names an app, a path, or both");

const action = z.strictObject({ method: z.string().regex(/^[A-Za-z]+$/, "a method is letters, e.g. GET") });

const condition = z.strictObject({
  time: z
    .strictObject({ after: clock.optional(), before: clock.optional() })
    .refine((t) => t.after !== undefined || t.before !== undefined, "a time condition has after, before, or both"),
});

/** The short form's schema. */
export const shortFormSchema = z.strictObject({
  id: nonEmpty,
  effect: z.enum(["permit", "deny"]),
  /** Orders short-form policies under the top-level algorithm, lower first. */
  priority: z.number().default(0),
  description: z.string().optional(),
  subjects: z.array(subject).default([]),
  resources: z.array(resource).default([]),
  actions: z.array(action).default([]),
  conditions: z.array(condition).default([]),
});

export type ShortForm = z.output<typeof shortFormSchema>;

const designator = (category: string, attributeId: string, dataType: DataType = DATA_TYPES.string): Designator => ({
  category,
  attributeId,
  dataType,
  mustBePresent: false,
});

function equal(value: Atom, on: Designator): MatchNode {
  const name = Object.entries(DATA_TYPES).find(([, uri]) => uri === value.type)?.[0] ?? "string";
  return { functionId: `${F1}${name}-equal`, value, designator: on };
}

/** `*`/`**` globs become an anchored string-regexp-match; plain text, string-equal. */
function glob(pattern: string, on: Designator): MatchNode {
  if (!isGlob(pattern)) return equal(atom.string(pattern), on);
  return { functionId: `${F1}string-regexp-match`, value: atom.string(globSource(pattern)), designator: on };
}

function subjectMatches(s: ShortForm["subjects"][number]): MatchNode[] {
  const S = CATEGORY.accessSubject;
  const out: MatchNode[] = [];
  if (s.id !== undefined) out.push(equal(atom.string(s.id), designator(S, ATTRIBUTE.subjectId)));
  if (s.role !== undefined) out.push(equal(atom.string(s.role), designator(S, ATTRIBUTE.role)));
  if (s.group !== undefined) out.push(equal(atom.string(s.group), designator(S, ATTRIBUTE.group)));
  if (s.claim !== undefined && s.value !== undefined) {
    const value = parseAtom(inferType(s.value)!, s.value);
    out.push(equal(value, designator(S, claimAttribute(s.claim), value.type)));
  }
  return out;
}

function resourceMatches(r: ShortForm["resources"][number]): MatchNode[] {
  const out: MatchNode[] = [];
  if (r.app !== undefined) out.push(glob(r.app, designator(CATEGORY.resource, ATTRIBUTE.app)));
  if (r.path !== undefined) out.push(glob(r.path, designator(CATEGORY.resource, ATTRIBUTE.path)));
  return out;
}

const apply = (fn: string, ...args: Expression[]): Expression => ({ kind: "apply", functionId: fn, args });
const value = (a: Atom): Expression => ({ kind: "value", value: a });

/** `after ≤ now ≤ before` (time-in-range, across midnight when after > before), or one bound. */
function timeCondition(t: ShortForm["conditions"][number]["time"]): Expression {
  const now = apply(`${F1}time-one-and-only`, {
    kind: "designator",
    designator: { ...designator(CATEGORY.environment, ATTRIBUTE.currentTime, DATA_TYPES.time), mustBePresent: true },
  });
  if (t.after && t.before)
    return apply(`${F2}time-in-range`, now, value(atom.time(t.after)), value(atom.time(t.before)));
  if (t.after) return apply(`${F1}time-greater-than-or-equal`, now, value(atom.time(t.after)));
  return apply(`${F1}time-less-than`, now, value(atom.time(t.before!)));
}

/** Compiles a validated short form to a XACML Policy with one rule, `<id>:rule`. */
export function compileShortForm(policy: ShortForm): PolicyNode {
  const anyOf = [
    policy.subjects.map(subjectMatches),
    policy.resources.map(resourceMatches),
    policy.actions.map((a) => [
      equal(atom.string(a.method.toUpperCase()), designator(CATEGORY.action, ATTRIBUTE.actionId)),
    ]),
  ].filter((alternatives) => alternatives.length > 0);
  const conditions = policy.conditions.map((c) => timeCondition(c.time));
  const condition =
    conditions.length === 0 ? undefined : conditions.length === 1 ? conditions[0] : apply(`${F1}or`, ...conditions);
  const effect = policy.effect === "permit" ? "Permit" : "Deny";
  return {
    kind: "Policy",
    id: policy.id,
    version: "1.0",
    target: anyOf,
    algorithm: algorithmUrn("first-applicable", "rule"),
    variables: new Map(),
    rules: [
      { id: `${policy.id}:rule`, effect, target: [], obligations: [], advice: [], ...(condition ? { condition } : {}) },
    ],
    obligations: [],
    advice: [],
    ...(policy.description === undefined ? {} : { description: policy.description }),
  };
}
