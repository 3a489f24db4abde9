import { describe, expect, test } from "bun:test";
import { algorithmUrn, type Combinable, type Combinee, canonicalAlgorithm, combiningAlgorithm } from "./combining.ts";
import type { Decision } from "./decision.ts";
import type { MatchResult } from "./model.ts";

type D = Decision;
const P: D = "Permit";
const DENY: D = "Deny";
const NA: D = "NotApplicable";
const ID: D = "Indeterminate{D}";
const IP: D = "Indeterminate{P}";
const IDP: D = "Indeterminate{DP}";

/** Children that decide `decisions` in order, recording which were evaluated. */
function children(decisions: D[], targets?: MatchResult[]) {
  const evaluated: number[] = [];
  const list: Combinable<Combinee & { index: number }>[] = decisions.map((decision, index) => ({
    id: `c${index}`,
    evaluate: () => {
      evaluated.push(index);
      return { decision, index };
    },
    applicable: () => ({ result: targets?.[index] ?? (decision === NA ? "NoMatch" : "Match") }),
  }));
  return { list, evaluated };
}

const run = (name: string, decisions: D[], kind: "rule" | "policy" = "policy") =>
  combiningAlgorithm(algorithmUrn(name, kind))(children(decisions).list).decision;

/** [children's decisions, result] per algorithm, from XACML 3.0 Appendix C. */
const TABLE: Record<string, [D[], D][]> = {
  "deny-overrides": [
    [[], NA],
    [[NA, NA], NA],
    [[P, NA], P],
    [[P, DENY], DENY],
    [[ID, DENY], DENY],
    [[IDP, DENY], DENY],
    [[P, IP], P],
    [[IP], IP],
    [[ID], ID],
    [[ID, NA], ID],
    [[ID, P], IDP],
    [[ID, IP], IDP],
    [[IDP, P], IDP],
    [[IDP], IDP],
  ],
  "permit-overrides": [
    [[], NA],
    [[NA], NA],
    [[DENY, NA], DENY],
    [[DENY, P], P],
    [[IP, P], P],
    [[IDP, P], P],
    [[DENY, ID], DENY],
    [[ID], ID],
    [[IP], IP],
    [[IP, DENY], IDP],
    [[IP, ID], IDP],
    [[IDP, DENY], IDP],
    [[IDP], IDP],
  ],
  "first-applicable": [
    [[], NA],
    [[NA, NA], NA],
    [[NA, P, DENY], P],
    [[NA, DENY, P], DENY],
    [[ID, P], ID],
    [[IP, DENY], IP],
    [[NA, IDP, P], IDP],
  ],
  "deny-unless-permit": [
    [[], DENY],
    [[NA], DENY],
    [[ID], DENY],
    [[IP], DENY],
    [[IDP], DENY],
    [[DENY, P], P],
    [[IDP, NA, P], P],
  ],
  "permit-unless-deny": [
    [[], P],
    [[NA], P],
    [[ID], P],
    [[IP], P],
    [[IDP], P],
    [[P, DENY], DENY],
    [[IDP, NA, DENY], DENY],
  ],
};
TABLE["ordered-deny-overrides"] = TABLE["deny-overrides"]!;
TABLE["ordered-permit-overrides"] = TABLE["permit-overrides"]!;

describe("combining algorithms (XACML 3.0 Appendix C)", () => {
  for (const [name, rows] of Object.entries(TABLE)) {
    describe(name, () => {
      for (const [decisions, expected] of rows) {
        test(`[${decisions.join(", ")}] → ${expected}`, () => {
          expect(run(name, decisions, "rule")).toBe(expected);
          expect(run(name, decisions, "policy")).toBe(expected);
        });
      }
    });
  }

  describe("only-one-applicable (policies)", () => {
    const only = (decisions: D[], targets?: MatchResult[]) => {
      const { list, evaluated } = children(decisions, targets);
      return { ...combiningAlgorithm(algorithmUrn("only-one-applicable", "policy"))(list), evaluated };
    };
    test("no applicable policy → NotApplicable", () => expect(only([NA, NA]).decision).toBe(NA));
    test("exactly one applicable policy decides, the others are never evaluated", () => {
      const r = only([NA, DENY, NA]);
      expect(r.decision).toBe(DENY);
      expect(r.evaluated).toEqual([1]);
    });
    test("the applicable policy's Indeterminate is kept", () => expect(only([ID]).decision).toBe(ID));
    test("two applicable policies → Indeterminate{DP}, naming both", () => {
      const r = only([P, P]);
      expect(r.decision).toBe(IDP);
      expect(r.status?.message).toContain("c0 and c1");
      expect(r.evaluated).toEqual([]);
    });
    test("an Indeterminate target → Indeterminate{DP}", () => {
      expect(only([P, NA], ["Indeterminate", "NoMatch"]).decision).toBe(IDP);
    });
  });

  describe("evaluation order and what contributes", () => {
    test("deny-overrides stops at the first Deny", () => {
      const { list, evaluated } = children([P, DENY, P]);
      const r = combiningAlgorithm(algorithmUrn("deny-overrides", "rule"))(list);
      expect(evaluated).toEqual([0, 1]);
      expect(r.decidedBy?.index).toBe(1);
      expect(r.contributors.map((c) => c.index)).toEqual([1]);
    });
    test("deny-overrides' Permit carries every Permit's obligations", () => {
      const { list } = children([P, NA, P]);
      const r = combiningAlgorithm(algorithmUrn("deny-overrides", "rule"))(list);
      expect(r.contributors.map((c) => c.index)).toEqual([0, 2]);
      expect(r.decidedBy?.index).toBe(0);
    });
    test("first-applicable evaluates no further than the first applicable child", () => {
      const { list, evaluated } = children([NA, P, DENY]);
      combiningAlgorithm(algorithmUrn("first-applicable", "rule"))(list);
      expect(evaluated).toEqual([0, 1]);
    });
    test("deny-unless-permit with no Deny decides alone (no deciding child)", () => {
      const { list } = children([NA, IP]);
      const r = combiningAlgorithm(algorithmUrn("deny-unless-permit", "policy"))(list);
      expect(r.decision).toBe(DENY);
      expect(r.decidedBy).toBeUndefined();
    });
    test("deny-unless-permit's Deny names the first denying child", () => {
      const { list } = children([NA, DENY, DENY]);
      const r = combiningAlgorithm(algorithmUrn("deny-unless-permit", "policy"))(list);
      expect(r.decidedBy?.index).toBe(1);
      expect(r.contributors).toHaveLength(2);
    });
    test("an Indeterminate result carries the status of the child that caused it", () => {
      const list: Combinable<Combinee>[] = [
        {
          id: "a",
          evaluate: () => ({
            decision: ID,
            status: { code: "urn:oasis:names:tc:xacml:1.0:status:missing-attribute", message: "m" },
          }),
        },
      ];
      expect(combiningAlgorithm(algorithmUrn("deny-overrides", "rule"))(list).status?.message).toBe("m");
    });
  });
});

describe("algorithm ids", () => {
  test("the spec's URNs: 3.0 for the overrides and unless families, 1.0 for first- and only-one-applicable", () => {
    expect(algorithmUrn("deny-overrides", "rule")).toBe(
      "urn:oasis:names:tc:xacml:3.0:rule-combining-algorithm:deny-overrides",
    );
    expect(algorithmUrn("deny-unless-permit", "policy")).toBe(
      "urn:oasis:names:tc:xacml:3.0:policy-combining-algorithm:deny-unless-permit",
    );
    expect(algorithmUrn("first-applicable", "rule")).toBe(
      "urn:oasis:names:tc:xacml:1.0:rule-combining-algorithm:first-applicable",
    );
    expect(algorithmUrn("only-one-applicable", "policy")).toBe(
      "urn:oasis:names:tc:xacml:1.0:policy-combining-algorithm:only-one-applicable",
    );
  });

  test.each([
    ["deny-unless-permit", "policy", "urn:oasis:names:tc:xacml:3.0:policy-combining-algorithm:deny-unless-permit"],
    [
      "urn:oasis:names:tc:xacml:3.0:rule-combining-algorithm:permit-overrides",
      "rule",
      "urn:oasis:names:tc:xacml:3.0:rule-combining-algorithm:permit-overrides",
    ],
    [
      "urn:oasis:names:tc:xacml:3.0:rule-combining-algorithm:first-applicable",
      "rule",
      "urn:oasis:names:tc:xacml:1.0:rule-combining-algorithm:first-applicable",
    ],
    ["only-one-applicable", "rule", undefined],
    ["urn:oasis:names:tc:xacml:1.0:rule-combining-algorithm:deny-overrides", "rule", undefined],
    ["urn:oasis:names:tc:xacml:3.0:policy-combining-algorithm:deny-overrides", "rule", undefined],
    ["majority-vote", "policy", undefined],
  ] as const)("canonicalAlgorithm(%p, %p) → %p", (id, kind, expected) => {
    expect(canonicalAlgorithm(id, kind)).toBe(expected);
  });
});
