import { describe, expect, test } from "bun:test";
import { context, FN, request, roleMatch } from "../../../../../../test/support/pdp.ts";
import type { MatchNode } from "./model.ts";
import { evaluateMatch, evaluateTarget } from "./target.ts";

const badRegex: MatchNode = { ...roleMatch("("), functionId: FN.regexp };

describe("targets (XACML 3.0 §7.6–7.7)", () => {
  const ctx = context(request({ subject: { role: ["reader", "writer"] } }));
  const anonymous = context();

  test("a Match is true when the function holds for any value of the bag", () => {
    expect(evaluateMatch(roleMatch("writer"), ctx).result).toBe("Match");
    expect(evaluateMatch(roleMatch("admin"), ctx).result).toBe("NoMatch");
    expect(evaluateMatch(roleMatch("admin"), anonymous).result).toBe("NoMatch");
  });

  test("a Match whose attribute must be present and is not is Indeterminate, with the status", () => {
    const r = evaluateMatch(roleMatch("reader", true), anonymous);
    expect(r.result).toBe("Indeterminate");
    expect(r.status?.code).toBe("urn:oasis:names:tc:xacml:1.0:status:missing-attribute");
  });

  test("a Match whose function fails is Indeterminate", () => {
    expect(evaluateMatch(badRegex, ctx).result).toBe("Indeterminate");
  });

  const M = roleMatch("reader");
  const N = roleMatch("admin");
  const I = badRegex;
  const cases: [string, MatchNode[][][], string][] = [
    ["empty target", [], "Match"],
    ["AllOf: all match", [[[M, M]]], "Match"],
    ["AllOf: a NoMatch wins over Indeterminate", [[[I, N]]], "NoMatch"],
    ["AllOf: Match and Indeterminate", [[[M, I]]], "Indeterminate"],
    ["AnyOf: a Match wins over Indeterminate", [[[I], [M]]], "Match"],
    ["AnyOf: NoMatch and Indeterminate", [[[N], [I]]], "Indeterminate"],
    ["AnyOf: all NoMatch", [[[N], [N]]], "NoMatch"],
    ["Target: a NoMatch AnyOf wins over Indeterminate", [[[I]], [[N]]], "NoMatch"],
    ["Target: Match and Indeterminate", [[[M]], [[I]]], "Indeterminate"],
    ["Target: all AnyOf match", [[[M]], [[N], [M]]], "Match"],
  ];
  for (const [name, target, expected] of cases) {
    test(`${name} → ${expected}`, () => expect(evaluateTarget(target, ctx).result).toBe(expected as "Match"));
  }
});
