import { describe, expect, test } from "bun:test";
import { type Atom, atom, DATA_TYPES } from "../datatypes.ts";
import { type Bag, bagOf, type FunctionRef, type Value } from "../values.ts";
import { callFunction, F1, F3 } from "./index.ts";

const call = (name: string, ...args: Value[]) => callFunction(`${F3}${name}`, args, { defaultOffset: 0 });
const fn = (name: string): FunctionRef => ({ kind: "function", id: `${F1}${name}` });
const strings = (...values: string[]) => bagOf(DATA_TYPES.string, values.map(atom.string));
const ints = (...values: number[]) => bagOf(DATA_TYPES.integer, values.map(atom.integer));
const value = (v: Value) => (v as Atom).value;

describe("higher-order functions", () => {
  test("any-of: the predicate holds for some element; the bag may be in any position", () => {
    expect(value(call("any-of", fn("string-equal"), atom.string("reader"), strings("admin", "reader")))).toBe(true);
    expect(value(call("any-of", fn("integer-greater-than"), ints(1, 5), atom.integer(3)))).toBe(true);
    expect(value(call("any-of", fn("string-equal"), atom.string("x"), strings()))).toBe(false);
  });

  test("all-of: the predicate holds for every element", () => {
    expect(value(call("all-of", fn("integer-greater-than"), atom.integer(10), ints(1, 5)))).toBe(true);
    expect(value(call("all-of", fn("integer-greater-than"), atom.integer(4), ints(1, 5)))).toBe(false);
    expect(value(call("all-of", fn("integer-greater-than"), atom.integer(4), ints()))).toBe(true);
  });

  test("any-of and all-of need exactly one bag", () => {
    expect(() => call("any-of", fn("string-equal"), atom.string("a"), atom.string("b"))).toThrow("exactly one bag");
  });

  test("any-of-any, all-of-any, any-of-all, all-of-all", () => {
    expect(value(call("any-of-any", fn("string-equal"), strings("a", "b"), strings("c", "b")))).toBe(true);
    expect(value(call("any-of-any", fn("string-equal"), strings("a"), strings("c")))).toBe(false);
    expect(value(call("all-of-any", fn("integer-greater-than"), ints(10, 20), ints(1, 15)))).toBe(true);
    expect(value(call("all-of-any", fn("integer-greater-than"), ints(10, 20), ints(15)))).toBe(false);
    expect(value(call("any-of-all", fn("integer-greater-than"), ints(3, 5), ints(1, 4)))).toBe(true);
    expect(value(call("any-of-all", fn("integer-greater-than"), ints(3, 4), ints(1, 4)))).toBe(false);
    expect(value(call("all-of-all", fn("integer-greater-than"), ints(6, 5), ints(1, 4)))).toBe(true);
    expect(value(call("all-of-all", fn("integer-greater-than"), ints(6, 3), ints(1, 4)))).toBe(false);
  });

  test("map applies a function to each element", () => {
    const bag = call("map", fn("string-normalize-to-lower-case"), strings("A", "Bc")) as Bag;
    expect(bag.items.map((a) => a.value)).toEqual(["a", "bc"]);
  });

  test("a predicate that is not boolean is an error", () => {
    expect(() => call("any-of", fn("integer-add"), atom.integer(1), ints(1))).toThrow("expected boolean");
  });
});
