import { describe, expect, test } from "bun:test";
import { context, FN, request } from "../../../../../../test/support/pdp.ts";
import { ATTRIBUTE, CATEGORY } from "./attributes.ts";
import { atom, DATA_TYPES } from "./datatypes.ts";
import { EvaluationError, STATUS } from "./decision.ts";
import { evaluate, evaluateCondition } from "./expression.ts";
import type { Expression } from "./model.ts";

const value = (v: Parameters<typeof atom.string>[0]): Expression => ({ kind: "value", value: atom.string(v) });
const apply = (functionId: string, ...args: Expression[]): Expression => ({ kind: "apply", functionId, args });
const roles: Expression = {
  kind: "designator",
  designator: {
    category: CATEGORY.accessSubject,
    attributeId: ATTRIBUTE.role,
    dataType: DATA_TYPES.string,
    mustBePresent: true,
  },
};

describe("expressions", () => {
  const ctx = context(request({ subject: { role: ["reader", "writer"] } }));

  test("Apply evaluates its function over its arguments", () => {
    expect(evaluateCondition(apply(FN.stringIsIn, value("reader"), roles), ctx)).toBe(true);
    expect(evaluateCondition(apply(FN.not, apply(FN.stringIsIn, value("admin"), roles)), ctx)).toBe(true);
  });

  test("a missing attribute that must be present is missing-attribute", () => {
    try {
      evaluate(roles, context());
      throw new Error("not thrown");
    } catch (error) {
      expect((error as EvaluationError).status.code).toBe(STATUS.missingAttribute);
    }
  });

  test("a condition must be boolean", () => {
    expect(() => evaluateCondition(value("true"), ctx)).toThrow(EvaluationError);
  });

  test("a variable is evaluated on first use and remembered for the rest of the policy", () => {
    const definitions = new Map<string, Expression>([["isReader", apply(FN.stringIsIn, value("reader"), roles)]]);
    const scoped = { ...ctx, variables: { definitions, values: new Map() } };
    const ref: Expression = { kind: "variable", variableId: "isReader" };
    expect(scoped.variables.values.has("isReader")).toBe(false);
    expect(evaluateCondition(apply(FN.and, ref, ref), scoped)).toBe(true);
    expect(scoped.variables.values.get("isReader")).toEqual(atom.boolean(true));
  });

  test("a variable that refers to itself is an error, not a stack overflow", () => {
    const definitions = new Map<string, Expression>([
      ["loop", apply(FN.not, { kind: "variable", variableId: "loop" })],
    ]);
    const looping = { ...ctx, variables: { definitions, values: new Map() } };
    expect(() => evaluate({ kind: "variable", variableId: "loop" }, looping)).toThrow("refers to itself");
  });
});
