import { describe, expect, test } from "bun:test";
import { context, FN, request, roleMatch } from "../../../../../../test/support/pdp.ts";
import { CATEGORY } from "./attributes.ts";
import { atom, DATA_TYPES } from "./datatypes.ts";
import type { Effect } from "./decision.ts";
import type { Expression, RuleNode, TraceNode } from "./model.ts";
import { evaluateRule } from "./rule.ts";

const level: Expression = {
  kind: "apply",
  functionId: FN.integerOneAndOnly,
  args: [
    {
      kind: "designator",
      designator: {
        category: CATEGORY.accessSubject,
        attributeId: "claim:level",
        dataType: DATA_TYPES.integer,
        mustBePresent: true,
      },
    },
  ],
};
const levelAbove = (n: number): Expression => ({
  kind: "apply",
  functionId: FN.integerGreaterThan,
  args: [level, { kind: "value", value: atom.integer(n) }],
});

const rule = (effect: Effect, parts: Partial<RuleNode> = {}): RuleNode => ({
  id: "r",
  effect,
  target: [],
  obligations: [],
  advice: [],
  ...parts,
});

describe("rules (XACML 3.0 §7.11, table 4)", () => {
  const reader = context(request({ subject: { role: "reader", "claim:level": 3 } }));
  const noLevel = context(request({ subject: { role: "reader" } }));
  const cases: [string, RuleNode, typeof reader, string][] = [
    ["no target, no condition → its effect", rule("Permit"), reader, "Permit"],
    [
      "target matches, condition true → its effect",
      rule("Deny", { target: [[[roleMatch("reader")]]], condition: levelAbove(2) }),
      reader,
      "Deny",
    ],
    ["condition false → NotApplicable", rule("Permit", { condition: levelAbove(5) }), reader, "NotApplicable"],
    [
      "target does not match → NotApplicable",
      rule("Permit", { target: [[[roleMatch("admin")]]] }),
      reader,
      "NotApplicable",
    ],
    [
      "a Permit whose condition errors → Indeterminate{P}",
      rule("Permit", { condition: levelAbove(2) }),
      noLevel,
      "Indeterminate{P}",
    ],
    [
      "a Deny whose condition errors → Indeterminate{D}",
      rule("Deny", { condition: levelAbove(2) }),
      noLevel,
      "Indeterminate{D}",
    ],
    [
      "a Permit whose target errors → Indeterminate{P}",
      rule("Permit", { target: [[[roleMatch("reader", true)]]] }),
      context(),
      "Indeterminate{P}",
    ],
    [
      "a Deny whose target errors → Indeterminate{D}",
      rule("Deny", { target: [[[roleMatch("reader", true)]]] }),
      context(),
      "Indeterminate{D}",
    ],
  ];
  for (const [name, r, ctx, expected] of cases) {
    test(name, () => expect(evaluateRule(r, ctx).decision).toBe(expected as "Permit"));
  }

  test("an Indeterminate rule says why", () => {
    const r = evaluateRule(rule("Permit", { condition: levelAbove(2) }), noLevel);
    expect(r.status?.code).toBe("urn:oasis:names:tc:xacml:1.0:status:missing-attribute");
    expect(r.status?.message).toContain("claim:level");
  });

  test("the trace records the target and the condition", () => {
    const trace: TraceNode[] = [];
    evaluateRule(rule("Permit", { condition: levelAbove(5) }), { ...reader, trace });
    expect(trace).toEqual([{ kind: "Rule", id: "r", target: "Match", condition: "False", decision: "NotApplicable" }]);
  });
});
