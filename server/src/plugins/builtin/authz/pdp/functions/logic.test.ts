import { describe, expect, test } from "bun:test";
import { atom } from "../datatypes.ts";
import { EvaluationError, STATUS } from "../decision.ts";
import type { Value } from "../values.ts";
import { F1, FUNCTIONS } from "./index.ts";

const T = () => atom.boolean(true);
const F = () => atom.boolean(false);
const boom = () => {
  throw new EvaluationError(STATUS.processingError, "boom");
};
const env = { defaultOffset: 0, call: () => atom.boolean(false) };
const apply = (name: string, ...args: (() => Value)[]) =>
  (FUNCTIONS.get(`${F1}${name}`)!.apply(args, env) as { value: unknown }).value;

describe("logical functions", () => {
  test("and / or of nothing are true / false", () => {
    expect(apply("and")).toBe(true);
    expect(apply("or")).toBe(false);
  });

  test("and stops at the first false: a later error is never seen", () => {
    expect(apply("and", T, F, boom)).toBe(false);
    expect(() => apply("and", T, boom, F)).toThrow("boom");
  });

  test("or stops at the first true", () => {
    expect(apply("or", F, T, boom)).toBe(true);
    expect(() => apply("or", boom, T)).toThrow("boom");
  });

  test("not", () => {
    expect(apply("not", T)).toBe(false);
    expect(() => apply("not", () => atom.string("true"))).toThrow(EvaluationError);
  });

  test("n-of: at least n of the rest, stopping once n are true", () => {
    expect(apply("n-of", () => atom.integer(2), T, F, T, boom)).toBe(true);
    expect(apply("n-of", () => atom.integer(2), T, F, F)).toBe(false);
    expect(apply("n-of", () => atom.integer(0), boom)).toBe(true);
    expect(() => apply("n-of", () => atom.integer(3), T, T)).toThrow("more than");
  });
});
