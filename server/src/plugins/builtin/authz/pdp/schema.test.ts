import { describe, expect, test } from "bun:test";
import { applyJson, designatorJson, FN, valueJson } from "../../../../../../test/support/pdp.ts";
import { ATTRIBUTE, CATEGORY } from "./attributes.ts";
import { DATA_TYPES } from "./datatypes.ts";
import { parseEntry } from "./entries.ts";
import type { PolicyNode, PolicySetNode } from "./model.ts";

const READERS = {
  PolicyId: "readers",
  Version: "1.2",
  RuleCombiningAlgId: "urn:oasis:names:tc:xacml:3.0:rule-combining-algorithm:deny-overrides",
  Target: {
    AnyOf: [
      {
        AllOf: [
          {
            Match: [
              {
                MatchId: FN.stringEqual,
                AttributeValue: { DataType: "http://www.w3.org/2001/XMLSchema#string", Value: "reader" },
                AttributeDesignator: {
                  Category: "urn:oasis:names:tc:xacml:1.0:subject-category:access-subject",
                  AttributeId: "urn:oasis:names:tc:xacml:2.0:subject:role",
                  DataType: "http://www.w3.org/2001/XMLSchema#string",
                  MustBePresent: false,
                },
              },
            ],
          },
        ],
      },
    ],
  },
  VariableDefinition: [
    { VariableId: "isGet", Expression: applyJson(FN.stringIsIn, valueJson("GET"), designatorJson("Action", "method")) },
  ],
  Rule: [
    { RuleId: "get", Effect: "Permit", Condition: { VariableReference: { VariableId: "isGet" } } },
    { RuleId: "rest", Effect: "Deny" },
  ],
  ObligationExpressions: [
    {
      ObligationId: "urn:buntime:obligation:log",
      FulfillOn: "Deny",
      AttributeAssignmentExpression: [{ AttributeId: "message", Expression: valueJson("no") }],
    },
  ],
  AdviceExpressions: [{ AdviceId: "hint", AppliesTo: "Permit" }],
};

const issuesOf = (json: unknown) => {
  const r = parseEntry(json);
  if (r.ok) throw new Error("expected it to be invalid");
  return r.issues;
};

describe("the JSON mapping of a XACML Policy", () => {
  test("compiles every element to the model", () => {
    const r = parseEntry(READERS);
    if (!r.ok) throw new Error(JSON.stringify(r.issues));
    const p = r.value.node as PolicyNode;
    expect(r.value).toMatchObject({ id: "readers", form: "Policy", priority: 0 });
    expect(p.version).toBe("1.2");
    expect(p.target[0]?.[0]?.[0]?.designator).toEqual({
      category: CATEGORY.accessSubject,
      attributeId: ATTRIBUTE.role,
      dataType: DATA_TYPES.string,
      mustBePresent: false,
    });
    expect(p.rules.map((rule) => [rule.id, rule.effect, rule.condition?.kind])).toEqual([
      ["get", "Permit", "variable"],
      ["rest", "Deny", undefined],
    ]);
    expect(p.variables.get("isGet")?.kind).toBe("apply");
    expect(p.obligations[0]).toMatchObject({ id: "urn:buntime:obligation:log", appliesTo: "Deny" });
    expect(p.advice[0]).toEqual({ id: "hint", appliesTo: "Permit", assignments: [] });
  });

  test("short names for categories, attributes, data types and algorithms", () => {
    const r = parseEntry({
      PolicyId: "p",
      RuleCombiningAlgId: "permit-overrides",
      Rule: [
        {
          RuleId: "r",
          Effect: "Permit",
          Condition: applyJson(FN.stringIsIn, valueJson("x"), designatorJson("AccessSubject", "role")),
        },
      ],
    });
    if (!r.ok) throw new Error(JSON.stringify(r.issues));
    const p = r.value.node as PolicyNode;
    expect(p.algorithm).toBe("urn:oasis:names:tc:xacml:3.0:rule-combining-algorithm:permit-overrides");
    const condition = p.rules[0]?.condition;
    expect(condition?.kind === "apply" && condition.args[1]).toMatchObject({
      designator: { category: CATEGORY.accessSubject, attributeId: ATTRIBUTE.role },
    });
  });

  test("a PolicySet combines its Policy children, then its PolicySet children", () => {
    const r = parseEntry({
      PolicySetId: "s",
      PolicyCombiningAlgId: "only-one-applicable",
      PolicySet: [{ PolicySetId: "inner", PolicyCombiningAlgId: "first-applicable" }],
      Policy: [READERS],
    });
    if (!r.ok) throw new Error(JSON.stringify(r.issues));
    expect((r.value.node as PolicySetNode).children.map((c) => c.id)).toEqual(["readers", "inner"]);
    expect(r.value.form).toBe("PolicySet");
  });
});

describe("an invalid policy is refused, naming the JSON path", () => {
  const cases: [string, unknown, string, string][] = [
    ["a bad Effect", { ...READERS, Rule: [{ RuleId: "r", Effect: "Allow" }] }, "$.Rule[0].Effect", ""],
    [
      "an unknown function",
      { ...READERS, Rule: [{ RuleId: "r", Effect: "Permit", Condition: applyJson("urn:x:nope") }] },
      "$.Rule[0].Condition.Apply.FunctionId",
      "unknown function",
    ],
    [
      "a wrong argument count",
      { ...READERS, Rule: [{ RuleId: "r", Effect: "Permit", Condition: applyJson(FN.not) }] },
      "$.Rule[0].Condition.Apply.Expression",
      "does not take 0 arguments",
    ],
    [
      "a value that is not of its type",
      { ...READERS, Rule: [{ RuleId: "r", Effect: "Permit", Condition: valueJson("soon", "time") }] },
      "$.Rule[0].Condition.AttributeValue.Value",
      "not a valid time",
    ],
    [
      "an expression with two kinds",
      {
        ...READERS,
        Rule: [{ RuleId: "r", Effect: "Permit", Condition: { ...valueJson(true), Function: { FunctionId: FN.and } } }],
      },
      "$.Rule[0].Condition",
      "exactly one",
    ],
    ["an unknown key", { ...READERS, Rules: [] }, "$", "Rules"],
    [
      "an unknown algorithm",
      { ...READERS, RuleCombiningAlgId: "majority" },
      "$.RuleCombiningAlgId",
      "unknown rule-combining algorithm",
    ],
    [
      "only-one-applicable for rules",
      { ...READERS, RuleCombiningAlgId: "only-one-applicable" },
      "$.RuleCombiningAlgId",
      "",
    ],
    [
      "a non-boolean MatchId",
      {
        ...READERS,
        Target: {
          AnyOf: [
            {
              AllOf: [
                {
                  Match: [
                    {
                      MatchId: "urn:oasis:names:tc:xacml:1.0:function:integer-add",
                      AttributeValue: { Value: 1 },
                      ...designatorJson("subject", "x", "integer"),
                    },
                  ],
                },
              ],
            },
          ],
        },
      },
      "$.Target.AnyOf[0].AllOf[0].Match[0].MatchId",
      "not a two-argument boolean function",
    ],
    ["an empty AllOf", { ...READERS, Target: { AnyOf: [{ AllOf: [] }] } }, "$.Target.AnyOf[0].AllOf", ""],
    [
      "an undefined variable",
      {
        ...READERS,
        Rule: [{ RuleId: "r", Effect: "Permit", Condition: { VariableReference: { VariableId: "nope" } } }],
      },
      "$.Rule[0]",
      "undefined variable nope",
    ],
    [
      "variables in a cycle",
      {
        ...READERS,
        VariableDefinition: [
          { VariableId: "a", Expression: applyJson(FN.not, { VariableReference: { VariableId: "b" } }) },
          { VariableId: "b", Expression: applyJson(FN.not, { VariableReference: { VariableId: "a" } }) },
        ],
      },
      "$.VariableDefinition",
      "a → b → a",
    ],
    [
      "a bad data type",
      { ...READERS, Rule: [{ RuleId: "r", Effect: "Permit", Condition: designatorJson("subject", "x", "xs:string") }] },
      "$.Rule[0].Condition.AttributeDesignator.DataType",
      "unknown DataType",
    ],
    [
      "a nested PolicySet fault",
      { PolicySetId: "s", PolicyCombiningAlgId: "first-applicable", Policy: [{ ...READERS, PolicyId: "" }] },
      "$.Policy[0].PolicyId",
      "",
    ],
    ["neither kind of policy", { Name: "x" }, "$", "PolicyId"],
  ];
  for (const [name, json, path, message] of cases) {
    test(`${name} → ${path}`, () => {
      const issues = issuesOf(json);
      expect(issues.map((i) => i.path)).toContain(path);
      expect(issues.find((i) => i.path === path)?.message).toContain(message);
    });
  }
});
