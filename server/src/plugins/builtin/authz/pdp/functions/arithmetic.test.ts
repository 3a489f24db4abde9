import { describe, expect, test } from "bun:test";
import { type Atom, atom } from "../datatypes.ts";
import type { Value } from "../values.ts";
import { callFunction, F1 } from "./index.ts";

const call = (name: string, ...args: Value[]) =>
  (callFunction(`${F1}${name}`, args, { defaultOffset: 0 }) as Atom).value;

describe("arithmetic", () => {
  test("integer and double operations", () => {
    expect(call("integer-add", atom.integer(1), atom.integer(2), atom.integer(3))).toBe(6);
    expect(call("integer-subtract", atom.integer(1), atom.integer(3))).toBe(-2);
    expect(call("integer-multiply", atom.integer(4), atom.integer(3))).toBe(12);
    expect(call("integer-divide", atom.integer(7), atom.integer(2))).toBe(3);
    expect(call("integer-mod", atom.integer(7), atom.integer(2))).toBe(1);
    expect(call("integer-abs", atom.integer(-7))).toBe(7);
    expect(call("double-divide", atom.double(7), atom.double(2))).toBe(3.5);
    expect(call("round", atom.double(2.5))).toBe(3);
    expect(call("floor", atom.double(2.5))).toBe(2);
    expect(call("double-to-integer", atom.double(-2.7))).toBe(-2);
    expect(call("integer-to-double", atom.integer(2))).toBe(2);
  });

  test("division by zero and overflow are errors", () => {
    expect(() => call("integer-divide", atom.integer(1), atom.integer(0))).toThrow("division by zero");
    expect(() => call("integer-mod", atom.integer(1), atom.integer(0))).toThrow("division by zero");
    expect(() => call("integer-multiply", atom.integer(2 ** 40), atom.integer(2 ** 40))).toThrow("overflow");
  });
});
