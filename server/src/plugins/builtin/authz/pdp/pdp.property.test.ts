/**
 * Properties of the PDP over random policies and requests (fast-check): the two "unless"
 * algorithms always decide, a set of one policy decides as the policy, and the short form
 * decides as its plain-language reading.
 */
import { describe, expect, test } from "bun:test";
import fc from "fast-check";
import {
  applyJson,
  context,
  designatorJson,
  FN,
  policy,
  request,
  valueJson,
} from "../../../../../../test/support/pdp.ts";
import { ALGORITHM_NAMES, algorithmUrn } from "./combining.ts";
import { atom } from "./datatypes.ts";
import { parseEntry, rootPolicySet } from "./entries.ts";
import { globMatcher } from "./glob.ts";
import type { PolicyTree } from "./model.ts";
import { decide } from "./pdp.ts";
import { evaluatePolicy } from "./policy.ts";

const ROLES = ["a", "b", "c"] as const;

/** A role Match; with MustBePresent it is Indeterminate for a request without roles. */
const matchJson = fc.record({ role: fc.constantFrom(...ROLES), must: fc.boolean() }).map(({ role, must }) => ({
  MatchId: FN.stringEqual,
  AttributeValue: { Value: role },
  ...designatorJson("AccessSubject", "role", "string", must),
}));

const targetJson = fc.option(
  fc
    .array(fc.array(fc.array(matchJson, { minLength: 1, maxLength: 2 }), { minLength: 1, maxLength: 2 }), {
      maxLength: 2,
    })
    .map((anyOf) => ({ AnyOf: anyOf.map((allOf) => ({ AllOf: allOf.map((m) => ({ Match: m })) })) })),
  { nil: undefined },
);

/** true, false, or `claim:level > n`, which errors when the request has no level. */
const conditionJson = fc.option(
  fc.oneof(
    fc.boolean().map((b) => valueJson(b)),
    fc
      .integer({ min: 0, max: 4 })
      .map((n) =>
        applyJson(
          FN.integerGreaterThan,
          applyJson(FN.integerOneAndOnly, designatorJson("AccessSubject", "claim:level", "integer", true)),
          valueJson(n),
        ),
      ),
  ),
  { nil: undefined },
);

const effect = fc.constantFrom("Permit", "Deny");
const obligationsJson = fc.array(
  fc.record({ id: fc.constantFrom("o1", "o2"), on: effect }).map(({ id, on }) => ({ ObligationId: id, FulfillOn: on })),
  { maxLength: 2 },
);

const ruleJson = fc.record({
  Effect: effect,
  Target: targetJson,
  Condition: conditionJson,
  ObligationExpressions: obligationsJson,
});

const policyJson = fc
  .record({
    algorithm: fc.constantFrom(...ALGORITHM_NAMES.rule),
    target: targetJson,
    rules: fc.array(ruleJson, { maxLength: 4 }),
    obligations: obligationsJson,
  })
  .map(({ algorithm, target, rules, obligations }) => ({
    PolicyId: "p",
    RuleCombiningAlgId: algorithmUrn(algorithm, "rule"),
    ...(target ? { Target: target } : {}),
    Rule: rules.map((r, i) => ({
      RuleId: `r${i}`,
      ...Object.fromEntries(Object.entries(r).filter(([, v]) => v !== undefined)),
    })),
    ObligationExpressions: obligations,
  }));

/** A policy, or a set of policies under a random algorithm (ids made unique). */
const childJson = fc.oneof(
  policyJson,
  fc
    .record({
      algorithm: fc.constantFrom(...ALGORITHM_NAMES.policy),
      target: targetJson,
      policies: fc.array(policyJson, { maxLength: 3 }),
    })
    .map(({ algorithm, target, policies }) => ({
      PolicySetId: "s",
      PolicyCombiningAlgId: algorithmUrn(algorithm, "policy"),
      ...(target ? { Target: target } : {}),
      Policy: policies.map((p, i) => ({ ...p, PolicyId: `s.p${i}` })),
    })),
);

const requestArb = fc
  .record({ roles: fc.subarray([...ROLES]), level: fc.option(fc.integer({ min: 0, max: 5 }), { nil: undefined }) })
  .map(({ roles, level }) =>
    context(request({ subject: { role: roles, ...(level === undefined ? {} : { "claim:level": level }) } })),
  );

function setOf(algorithm: string, children: unknown[]): PolicyTree {
  return policy({
    PolicySetId: "root",
    PolicyCombiningAlgId: algorithmUrn(algorithm, "policy"),
    Policy: children
      .filter((c) => "PolicyId" in (c as object))
      .map((c, i) => ({ ...(c as object), PolicyId: `c${i}` })),
    PolicySet: children
      .filter((c) => "PolicySetId" in (c as object))
      .map((c, i) => ({ ...(c as object), PolicySetId: `cs${i}` })),
  });
}

describe("PDP properties", () => {
  for (const algorithm of ["deny-unless-permit", "permit-unless-deny"]) {
    test(`${algorithm} never yields NotApplicable or Indeterminate`, () => {
      fc.assert(
        fc.property(fc.array(childJson, { maxLength: 4 }), requestArb, (children, ctx) => {
          const decision = evaluatePolicy(setOf(algorithm, children), ctx).decision;
          expect(["Permit", "Deny"]).toContain(decision);
        }),
        { numRuns: 300 },
      );
    });
  }

  test("the PEP-facing decide() under deny-unless-permit only permits or denies", () => {
    fc.assert(
      fc.property(fc.array(policyJson, { maxLength: 3 }), requestArb, (policies, ctx) => {
        const entries = policies.map((p, i) => {
          const r = parseEntry({ ...p, PolicyId: `p${i}` });
          if (!r.ok) throw new Error(JSON.stringify(r.issues));
          return r.value;
        });
        expect(["Permit", "Deny"]).toContain(decide(rootPolicySet(entries), ctx.request).decision);
      }),
      { numRuns: 200 },
    );
  });

  for (const algorithm of ["deny-overrides", "permit-overrides", "ordered-deny-overrides", "first-applicable"]) {
    test(`a ${algorithm} set of one policy decides as that policy`, () => {
      fc.assert(
        fc.property(childJson, requestArb, (child, ctx) => {
          const alone = evaluatePolicy(policy(child), ctx);
          const wrapped = evaluatePolicy(setOf(algorithm, [child]), ctx);
          expect(wrapped.decision).toBe(alone.decision);
          expect(wrapped.obligations).toEqual(alone.obligations);
        }),
        { numRuns: 300 },
      );
    });
  }
});

describe("the short form decides as it reads", () => {
  const shortForm = fc.record({
    effect: fc.constantFrom("permit", "deny"),
    subjects: fc.array(
      fc.oneof(
        fc.record({ role: fc.constantFrom(...ROLES) }),
        fc.record({ id: fc.constantFrom("alice", "bob") }),
        fc.record({ role: fc.constantFrom(...ROLES), group: fc.constantFrom("ops", "dev") }),
      ),
      { maxLength: 3 },
    ),
    resources: fc.array(
      fc.oneof(
        fc.record({ app: fc.constantFrom("echo", "hello", "ech*") }),
        fc.record({ path: fc.constantFrom("/_/stats", "/_/**", "/echo/*", "/hello/**") }),
      ),
      { maxLength: 3 },
    ),
    actions: fc.array(fc.record({ method: fc.constantFrom("GET", "POST", "DELETE") }), { maxLength: 2 }),
    hours: fc.option(fc.record({ after: fc.integer({ min: 0, max: 23 }), before: fc.integer({ min: 0, max: 23 }) }), {
      nil: undefined,
    }),
  });
  const http = fc.record({
    sub: fc.constantFrom("alice", "bob", "carol"),
    roles: fc.subarray([...ROLES]),
    groups: fc.subarray(["ops", "dev"]),
    target: fc.constantFrom(
      { app: "echo", path: "/echo/x" },
      { app: "echo", path: "/echo/x/y" },
      { app: "hello", path: "/hello/a/b" },
      { app: undefined, path: "/_/stats" },
      { app: undefined, path: "/_/deployments/echo/1.0.0" },
    ),
    method: fc.constantFrom("GET", "POST", "DELETE"),
    hour: fc.integer({ min: 0, max: 23 }),
  });
  const hh = (h: number) => `${String(h).padStart(2, "0")}:00`;

  test("a list matches when one entry does (empty: always); an entry when all its keys do", () => {
    fc.assert(
      fc.property(shortForm, http, (sf, req) => {
        const json = {
          id: "sf",
          effect: sf.effect,
          subjects: sf.subjects,
          resources: sf.resources,
          actions: sf.actions,
          ...(sf.hours ? { conditions: [{ time: { after: hh(sf.hours.after), before: hh(sf.hours.before) } }] } : {}),
        };
        const any = <T>(list: T[], test: (item: T) => boolean) => list.length === 0 || list.some(test);
        const applies =
          any(
            sf.subjects,
            (s) =>
              ("role" in s ? req.roles.includes(s.role) : true) &&
              ("id" in s ? req.sub === s.id : true) &&
              ("group" in s ? req.groups.includes(s.group) : true),
          ) &&
          any(sf.resources, (r) =>
            "app" in r
              ? req.target.app !== undefined && globMatcher(r.app)(req.target.app)
              : globMatcher(r.path)(req.target.path),
          ) &&
          any(sf.actions, (a) => a.method === req.method) &&
          (!sf.hours ||
            (sf.hours.after <= sf.hours.before
              ? req.hour >= sf.hours.after && req.hour <= sf.hours.before
              : req.hour >= sf.hours.after || req.hour <= sf.hours.before));
        const ctx = context(
          request({
            subject: { "subject-id": req.sub, role: req.roles, group: req.groups },
            resource: { path: req.target.path, ...(req.target.app ? { app: req.target.app } : {}) },
            action: { method: req.method },
            environment: { "current-time": [atom.time(`${hh(req.hour)}:00Z`)] },
          }),
        );
        const expected = applies ? (sf.effect === "permit" ? "Permit" : "Deny") : "NotApplicable";
        expect(evaluatePolicy(policy(json), ctx).decision).toBe(expected);
      }),
      { numRuns: 500 },
    );
  });
});
