import { describe, expect, test } from "bun:test";
import {
  applyJson,
  context,
  designatorJson,
  FN,
  policy,
  request,
  valueJson,
} from "../../../../../../test/support/pdp.ts";
import { algorithmUrn } from "./combining.ts";
import type { Decision } from "./decision.ts";
import type { PolicyRef } from "./model.ts";
import { evaluatePolicy, indeterminateTarget } from "./policy.ts";

/** A rule's condition that needs the `claim:level` attribute (MustBePresent) to be above 2. */
const needsLevel = applyJson(
  FN.integerGreaterThan,
  applyJson(FN.integerOneAndOnly, designatorJson("AccessSubject", "claim:level", "integer", true)),
  valueJson(2),
);
const RULES = {
  permit: { RuleId: "permit", Effect: "Permit" },
  deny: { RuleId: "deny", Effect: "Deny" },
  na: { RuleId: "na", Effect: "Permit", Condition: valueJson(false) },
  "permit?": { RuleId: "permit?", Effect: "Permit", Condition: needsLevel },
  "deny?": { RuleId: "deny?", Effect: "Deny", Condition: needsLevel },
} as const;
type RuleName = keyof typeof RULES;

const withRules = (algorithm: string, rules: RuleName[]) =>
  policy({ PolicyId: "p", RuleCombiningAlgId: algorithmUrn(algorithm, "rule"), Rule: rules.map((r) => RULES[r]) });

/** No `claim:level`: the `?` rules are Indeterminate{P} / Indeterminate{D}. */
const anonymous = context(request({ subject: { role: "reader" } }));

describe("a rule whose MustBePresent attribute is missing, under each algorithm (Appendix C)", () => {
  const table: [algorithm: string, rules: RuleName[], expected: Decision][] = [
    ["deny-overrides", ["permit?"], "Indeterminate{P}"],
    ["deny-overrides", ["deny?"], "Indeterminate{D}"],
    ["deny-overrides", ["deny?", "permit"], "Indeterminate{DP}"],
    ["deny-overrides", ["deny?", "deny"], "Deny"],
    ["deny-overrides", ["permit?", "permit"], "Permit"],
    ["deny-overrides", ["deny?", "permit?"], "Indeterminate{DP}"],
    ["permit-overrides", ["permit?"], "Indeterminate{P}"],
    ["permit-overrides", ["permit?", "deny"], "Indeterminate{DP}"],
    ["permit-overrides", ["permit?", "permit"], "Permit"],
    ["permit-overrides", ["deny?", "deny"], "Deny"],
    ["permit-overrides", ["deny?", "na"], "Indeterminate{D}"],
    ["first-applicable", ["na", "deny?", "permit"], "Indeterminate{D}"],
    ["first-applicable", ["na", "permit", "deny?"], "Permit"],
    ["deny-unless-permit", ["permit?"], "Deny"],
    ["deny-unless-permit", ["deny?", "permit"], "Permit"],
    ["permit-unless-deny", ["deny?"], "Permit"],
    ["permit-unless-deny", ["permit?", "deny"], "Deny"],
  ];
  for (const [algorithm, rules, expected] of table) {
    test(`${algorithm} [${rules.join(", ")}] → ${expected}`, () => {
      expect(evaluatePolicy(withRules(algorithm, rules), anonymous).decision).toBe(expected);
    });
  }

  test("with the attribute present the same rules decide plainly", () => {
    const leveled = context(request({ subject: { "claim:level": 3 } }));
    expect(evaluatePolicy(withRules("deny-overrides", ["deny?", "permit"]), leveled).decision).toBe("Deny");
  });
});

describe("a policy whose target is Indeterminate (§7.12, table 7)", () => {
  test.each([
    ["NotApplicable", "NotApplicable"],
    ["Permit", "Indeterminate{P}"],
    ["Deny", "Indeterminate{D}"],
    ["Indeterminate{D}", "Indeterminate{D}"],
    ["Indeterminate{P}", "Indeterminate{P}"],
    ["Indeterminate{DP}", "Indeterminate{DP}"],
  ] as const)("combined %s → %s", (combined, expected) => {
    expect(indeterminateTarget(combined)).toBe(expected);
  });

  test("end to end: a Permit policy whose target needs a missing attribute is Indeterminate{P}", () => {
    const p = policy({
      PolicyId: "needs-group",
      RuleCombiningAlgId: "first-applicable",
      Target: {
        AnyOf: [
          {
            AllOf: [
              {
                Match: [
                  {
                    MatchId: FN.stringEqual,
                    AttributeValue: { Value: "ops" },
                    ...designatorJson("AccessSubject", "group", "string", true),
                  },
                ],
              },
            ],
          },
        ],
      },
      Rule: [RULES.permit],
    });
    const r = evaluatePolicy(p, anonymous);
    expect(r.decision).toBe("Indeterminate{P}");
    expect(r.policyId).toBe("needs-group");
  });
});

describe("obligations and advice (§7.18)", () => {
  const log = (id: string, on: "Permit" | "Deny", value: string) => ({
    ObligationId: id,
    FulfillOn: on,
    AttributeAssignmentExpression: [{ AttributeId: "message", Expression: valueJson(value) }],
  });
  const p = policy({
    PolicyId: "p",
    RuleCombiningAlgId: "deny-overrides",
    Rule: [
      { RuleId: "a", Effect: "Permit", ObligationExpressions: [log("rule-a", "Permit", "a")] },
      {
        RuleId: "b",
        Effect: "Permit",
        Condition: valueJson(false),
        ObligationExpressions: [log("rule-b", "Permit", "b")],
      },
      {
        RuleId: "c",
        Effect: "Permit",
        AdviceExpressions: [{ AdviceId: "hint", AppliesTo: "Permit", AttributeAssignmentExpression: [] }],
      },
    ],
    ObligationExpressions: [log("policy-permit", "Permit", "p"), log("policy-deny", "Deny", "d")],
  });

  test("come from the rules that decided and the policy, for the decision's effect only", () => {
    const r = evaluatePolicy(p, anonymous);
    expect(r.decision).toBe("Permit");
    expect(r.obligations.map((o) => o.id)).toEqual(["rule-a", "policy-permit"]);
    expect(r.obligations[0]?.assignments[0]).toMatchObject({ attributeId: "message", value: { value: "a" } });
    expect(r.advice.map((a) => a.id)).toEqual(["hint"]);
  });

  test("an assignment that fails makes the policy Indeterminate", () => {
    const failing = policy({
      PolicyId: "f",
      RuleCombiningAlgId: "first-applicable",
      Rule: [RULES.permit],
      ObligationExpressions: [
        {
          ObligationId: "o",
          FulfillOn: "Permit",
          AttributeAssignmentExpression: [
            { AttributeId: "x", Expression: designatorJson("subject", "missing", "string", true) },
          ],
        },
      ],
    });
    const r = evaluatePolicy(failing, anonymous);
    expect(r.decision).toBe("Indeterminate{P}");
    expect(r.obligations).toEqual([]);
  });
});

describe("policy sets", () => {
  const set = policy({
    PolicySetId: "set",
    PolicyCombiningAlgId: "deny-overrides",
    Policy: [
      { PolicyId: "allow", RuleCombiningAlgId: "first-applicable", Rule: [RULES.permit] },
      { PolicyId: "block", Version: "2.1", RuleCombiningAlgId: "first-applicable", Rule: [RULES["deny?"]] },
    ],
    PolicySet: [
      {
        PolicySetId: "inner",
        PolicyCombiningAlgId: "first-applicable",
        Policy: [{ PolicyId: "never", RuleCombiningAlgId: "first-applicable", Rule: [RULES.na] }],
      },
    ],
  });

  test("name the innermost policy that decided, and its rule", () => {
    const leveled = context(request({ subject: { "claim:level": 3 } }));
    const r = evaluatePolicy(set, leveled);
    expect(r).toMatchObject({ decision: "Deny", policyId: "block", ruleId: "deny?" });
  });

  test("list the applicable policies, not the others", () => {
    const applicable: PolicyRef[] = [];
    evaluatePolicy(set, { ...anonymous, applicable });
    expect(applicable).toEqual([
      { kind: "Policy", id: "allow", version: "1.0" },
      { kind: "Policy", id: "block", version: "2.1" },
      { kind: "PolicySet", id: "set", version: "1.0" },
    ]);
  });

  test("combine Indeterminate children by the extended rules", () => {
    expect(evaluatePolicy(set, anonymous).decision).toBe("Indeterminate{DP}");
  });
});
