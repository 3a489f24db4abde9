import { describe, expect, test } from "bun:test";
import type { Expression, RuleNode } from "./model.ts";
import { findCycle, references, variableIssues } from "./variables.ts";

const ref = (variableId: string): Expression => ({ kind: "variable", variableId });
const not = (arg: Expression): Expression => ({
  kind: "apply",
  functionId: "urn:oasis:names:tc:xacml:1.0:function:not",
  args: [arg],
});
const rule = (condition: Expression): RuleNode => ({
  id: "r",
  effect: "Permit",
  target: [],
  condition,
  obligations: [],
  advice: [],
});

describe("variable definitions", () => {
  test("references are found through Apply", () => {
    expect([...references(not(not(ref("a"))))]).toEqual(["a"]);
  });

  test("cycles, direct or not", () => {
    expect(findCycle(new Map([["a", new Set(["a"])]]))).toEqual(["a", "a"]);
    expect(
      findCycle(
        new Map([
          ["a", new Set(["b"])],
          ["b", new Set(["c"])],
          ["c", new Set(["b"])],
        ]),
      ),
    ).toEqual(["b", "c", "b"]);
    expect(
      findCycle(
        new Map([
          ["a", new Set(["b"])],
          ["b", new Set<string>()],
        ]),
      ),
    ).toBeUndefined();
  });

  test("sound definitions have no issue", () => {
    expect(
      variableIssues(
        [
          { VariableId: "a", Expression: not(ref("b")) },
          {
            VariableId: "b",
            Expression: { kind: "value", value: { type: "http://www.w3.org/2001/XMLSchema#boolean", value: true } },
          },
        ],
        [rule(ref("a"))],
      ),
    ).toEqual([]);
  });

  test("a twice-defined variable, an undefined reference", () => {
    const t: Expression = { kind: "value", value: { type: "http://www.w3.org/2001/XMLSchema#boolean", value: true } };
    expect(
      variableIssues(
        [
          { VariableId: "a", Expression: t },
          { VariableId: "a", Expression: t },
        ],
        [rule(ref("z"))],
      ),
    ).toEqual([
      { message: "variable a is defined twice", path: ["VariableDefinition", 1] },
      { message: "undefined variable z", path: ["Rule", 0] },
    ]);
  });
});
