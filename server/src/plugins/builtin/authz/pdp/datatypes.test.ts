import { describe, expect, test } from "bun:test";
import {
  atom,
  atomsEqual,
  compareAtoms,
  DATA_TYPES,
  dataTypeOf,
  formatAtom,
  inferType,
  parseAtom,
} from "./datatypes.ts";
import { EvaluationError } from "./decision.ts";

describe("data types", () => {
  test("URIs and JSON Profile short names name the same type", () => {
    expect(dataTypeOf("integer")).toBe(DATA_TYPES.integer);
    expect(dataTypeOf("http://www.w3.org/2001/XMLSchema#time")).toBe(DATA_TYPES.time);
    expect(dataTypeOf("xs:integer")).toBeUndefined();
  });

  test.each([
    ["string", "x", "x"],
    ["boolean", "true", true],
    ["boolean", false, false],
    ["integer", "-42", -42],
    ["integer", 7, 7],
    ["double", "2.5", 2.5],
    ["double", "INF", "INF"],
    ["time", "08:00:00", "08:00:00"],
    ["time", "23:59:59.5+02:00", "23:59:59.5+02:00"],
    ["date", "2024-02-29", "2024-02-29"],
    ["dateTime", "2024-01-02T03:04:05Z", "2024-01-02T03:04:05Z"],
    ["anyURI", "urn:x", "urn:x"],
  ] as const)("%s %p parses and formats back as %p", (type, raw, formatted) => {
    expect(formatAtom(parseAtom(dataTypeOf(type)!, raw))).toBe(formatted);
  });

  test.each([
    ["string", 1],
    ["boolean", "yes"],
    ["integer", 1.5],
    ["integer", "12a"],
    ["double", "abc"],
    ["time", "8:00"],
    ["time", "25:00:00"],
    ["date", "2023-02-29"],
    ["dateTime", "2024-01-02 03:04:05"],
  ] as const)("%s %p is a syntax error", (type, raw) => {
    expect(() => parseAtom(dataTypeOf(type)!, raw)).toThrow(EvaluationError);
  });

  test("the JSON Profile's inference: string, boolean, integer, double", () => {
    expect(inferType("a")).toBe(DATA_TYPES.string);
    expect(inferType(true)).toBe(DATA_TYPES.boolean);
    expect(inferType(3)).toBe(DATA_TYPES.integer);
    expect(inferType(3.5)).toBe(DATA_TYPES.double);
    expect(inferType(null)).toBeUndefined();
  });

  test("times compare as instants when zoned, in the default zone when not", () => {
    expect(atomsEqual(atom.time("10:00:00+02:00"), atom.time("08:00:00Z"))).toBe(true);
    expect(atomsEqual(atom.time("10:00:00"), atom.time("08:00:00Z"), 120)).toBe(true);
    expect(atomsEqual(atom.time("10:00:00"), atom.time("08:00:00Z"), 0)).toBe(false);
    expect(compareAtoms(atom.time("09:00:00"), atom.time("10:00:00"))).toBeLessThan(0);
    expect(
      compareAtoms(atom.dateTime("2024-01-01T01:00:00+02:00"), atom.dateTime("2023-12-31T23:30:00Z")),
    ).toBeLessThan(0);
  });

  test("values of different types are never equal", () => {
    expect(atomsEqual(atom.integer(1), atom.double(1))).toBe(false);
  });
});
