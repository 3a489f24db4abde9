import { describe, expect, test } from "bun:test";
import { context, request } from "../../../../../../test/support/pdp.ts";
import { ATTRIBUTE, CATEGORY } from "./attributes.ts";
import { atom, DATA_TYPES } from "./datatypes.ts";
import type { DirectiveExpression } from "./model.ts";
import { evaluateDirectives } from "./obligations.ts";

describe("obligation expressions", () => {
  const ctx = context(request({ subject: { role: ["reader", "writer"] } }));
  const roles = {
    kind: "designator" as const,
    designator: {
      category: CATEGORY.accessSubject,
      attributeId: ATTRIBUTE.role,
      dataType: DATA_TYPES.string,
      mustBePresent: false,
    },
  };
  const expressions: DirectiveExpression[] = [
    {
      id: "log",
      appliesTo: "Permit",
      assignments: [
        {
          attributeId: "message",
          category: CATEGORY.environment,
          expression: { kind: "value", value: atom.string("hi") },
        },
        { attributeId: "role", expression: roles },
      ],
    },
    { id: "alert", appliesTo: "Deny", assignments: [] },
  ];

  test("only those for the decision's effect are evaluated", () => {
    expect(evaluateDirectives(expressions, "Deny", ctx)).toEqual([{ id: "alert", assignments: [] }]);
  });

  test("a bag yields one assignment per value", () => {
    const [log] = evaluateDirectives(expressions, "Permit", ctx);
    expect(log?.assignments.map((a) => [a.attributeId, a.value.value])).toEqual([
      ["message", "hi"],
      ["role", "reader"],
      ["role", "writer"],
    ]);
    expect(log?.assignments[0]?.category).toBe(CATEGORY.environment);
  });
});
