import { describe, expect, test } from "bun:test";
import { type Atom, atom, DATA_TYPES } from "../datatypes.ts";
import { EvaluationError } from "../decision.ts";
import { type Bag, bagOf, type Value } from "../values.ts";
import { callFunction, F1 } from "./index.ts";

const call = (name: string, ...args: Value[]) => callFunction(`${F1}${name}`, args, { defaultOffset: 0 });
const strings = (...values: string[]) => bagOf(DATA_TYPES.string, values.map(atom.string));
const items = (v: Value) => (v as Bag).items.map((a: Atom) => a.value).sort();
const value = (v: Value) => (v as Atom).value;

describe("bag functions", () => {
  test("one-and-only takes the single value, and fails on any other size", () => {
    expect(value(call("string-one-and-only", strings("a")))).toBe("a");
    expect(() => call("string-one-and-only", strings())).toThrow(EvaluationError);
    expect(() => call("string-one-and-only", strings("a", "b"))).toThrow("2 values");
  });

  test("bag-size, is-in and bag", () => {
    expect(value(call("string-bag-size", strings("a", "b")))).toBe(2);
    expect(value(call("string-is-in", atom.string("b"), strings("a", "b")))).toBe(true);
    expect(value(call("string-is-in", atom.string("c"), strings("a", "b")))).toBe(false);
    expect(items(call("string-bag", atom.string("x"), atom.string("y")))).toEqual(["x", "y"]);
    expect(items(call("integer-bag"))).toEqual([]);
  });

  test("a bag of another type is an error", () => {
    expect(() => call("integer-bag-size", strings("a"))).toThrow(EvaluationError);
    expect(() => call("string-is-in", atom.integer(1), strings("1"))).toThrow(EvaluationError);
  });
});

describe("set functions", () => {
  test("intersection and union drop duplicates", () => {
    expect(items(call("string-intersection", strings("a", "b", "b", "c"), strings("b", "c", "d")))).toEqual(["b", "c"]);
    expect(items(call("string-union", strings("a", "a"), strings("b"), strings("a", "c")))).toEqual(["a", "b", "c"]);
  });

  test("at-least-one-member-of, subset, set-equals", () => {
    expect(value(call("string-at-least-one-member-of", strings("x", "reader"), strings("reader", "admin")))).toBe(true);
    expect(value(call("string-at-least-one-member-of", strings(), strings("reader")))).toBe(false);
    expect(value(call("string-subset", strings("a", "b"), strings("b", "a", "c")))).toBe(true);
    expect(value(call("string-subset", strings("a", "z"), strings("a")))).toBe(false);
    expect(value(call("string-set-equals", strings("a", "b", "a"), strings("b", "a")))).toBe(true);
  });

  test("times in a set compare as instants", () => {
    const times = (...t: string[]) => bagOf(DATA_TYPES.time, t.map(atom.time));
    expect(value(call("time-is-in", atom.time("10:00:00+02:00"), times("08:00:00Z")))).toBe(true);
  });
});
