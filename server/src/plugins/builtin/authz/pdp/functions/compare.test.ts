import { describe, expect, test } from "bun:test";
import { atom } from "../datatypes.ts";
import { EvaluationError } from "../decision.ts";
import type { Value } from "../values.ts";
import { callFunction, F1, F2, F3 } from "./index.ts";

const call = (id: string, ...args: Value[]) => callFunction(id, args, { defaultOffset: 0 });
const truth = (id: string, ...args: Value[]) => (call(id, ...args) as { value: unknown }).value;

describe("equality and ordering", () => {
  test.each([
    [`${F1}string-equal`, atom.string("a"), atom.string("a"), true],
    [`${F1}string-equal`, atom.string("a"), atom.string("A"), false],
    [`${F3}string-equal-ignore-case`, atom.string("Reader"), atom.string("rEADER"), true],
    [`${F1}integer-equal`, atom.integer(3), atom.integer(3), true],
    [`${F1}double-equal`, atom.double(0.5), atom.double(0.25), false],
    [`${F1}boolean-equal`, atom.boolean(true), atom.boolean(true), true],
    [`${F1}time-equal`, atom.time("10:00:00+02:00"), atom.time("08:00:00Z"), true],
    [`${F1}integer-greater-than`, atom.integer(3), atom.integer(2), true],
    [`${F1}integer-greater-than`, atom.integer(2), atom.integer(2), false],
    [`${F1}integer-greater-than-or-equal`, atom.integer(2), atom.integer(2), true],
    [`${F1}double-less-than`, atom.double(1.5), atom.double(2), true],
    [`${F1}double-less-than-or-equal`, atom.double(2.5), atom.double(2), false],
    [`${F1}string-less-than`, atom.string("abc"), atom.string("abd"), true],
    [`${F1}time-less-than`, atom.time("07:59:59"), atom.time("08:00:00"), true],
    [`${F1}date-greater-than`, atom.date("2024-03-01"), atom.date("2024-02-29"), true],
    [`${F1}dateTime-less-than`, atom.dateTime("2024-01-01T00:00:00Z"), atom.dateTime("2024-01-01T00:00:01Z"), true],
  ])("%s(%o, %o) = %p", (id, a, b, expected) => {
    expect(truth(id, a, b)).toBe(expected);
  });

  test("a mistyped argument is an error, not false", () => {
    expect(() => call(`${F1}string-equal`, atom.string("1"), atom.integer(1))).toThrow(EvaluationError);
  });

  test("a wrong argument count is an error", () => {
    expect(() => call(`${F1}string-equal`, atom.string("1"))).toThrow("wrong number of arguments");
  });
});

describe("time-in-range", () => {
  const inRange = (t: string, from: string, to: string) =>
    truth(`${F2}time-in-range`, atom.time(t), atom.time(from), atom.time(to));

  test.each([
    ["12:00:00", "08:00:00", "18:00:00", true],
    ["08:00:00", "08:00:00", "18:00:00", true],
    ["18:00:00", "08:00:00", "18:00:00", true],
    ["18:00:01", "08:00:00", "18:00:00", false],
    ["07:59:59", "08:00:00", "18:00:00", false],
    ["23:00:00", "22:00:00", "06:00:00", true],
    ["03:00:00", "22:00:00", "06:00:00", true],
    ["12:00:00", "22:00:00", "06:00:00", false],
  ])("%s in [%s, %s] is %p", (t, from, to, expected) => {
    expect(inRange(t, from, to)).toBe(expected);
  });

  test("bounds without a zone take the first argument's zone", () => {
    // 09:30 in +02:00 is 07:30Z; the bounds are read in +02:00 too.
    expect(inRange("09:30:00+02:00", "08:00:00", "18:00:00")).toBe(true);
    expect(inRange("09:30:00+02:00", "08:00:00Z", "18:00:00Z")).toBe(false);
  });
});
