import { describe, expect, test } from "bun:test";
import { atom } from "../datatypes.ts";
import { EvaluationError } from "../decision.ts";
import type { Value } from "../values.ts";
import { callFunction, F1, F2, F3 } from "./index.ts";
import { PATTERNS_KEPT, patternsHeld } from "./strings.ts";

const call = (id: string, ...args: Value[]) => callFunction(id, args, { defaultOffset: 0 });
const value = (id: string, ...args: Value[]) => (call(id, ...args) as { value: unknown }).value;
const uri = (value: string): Value => ({ type: "http://www.w3.org/2001/XMLSchema#anyURI", value });

describe("string functions", () => {
  test("regexp-match is unanchored unless the pattern anchors it", () => {
    expect(value(`${F1}string-regexp-match`, atom.string("ead"), atom.string("reader"))).toBe(true);
    expect(value(`${F1}string-regexp-match`, atom.string("^ead$"), atom.string("reader"))).toBe(false);
    expect(value(`${F1}string-regexp-match`, atom.string("^/echo(/.*)?$"), atom.string("/echo/x"))).toBe(true);
    expect(value(`${F2}anyURI-regexp-match`, atom.string("^urn:"), uri("urn:a"))).toBe(true);
  });

  test("an invalid pattern is a syntax error", () => {
    expect(() => call(`${F1}string-regexp-match`, atom.string("("), atom.string("x"))).toThrow(EvaluationError);
  });

  test("starts-with, ends-with and contains search the second argument for the first", () => {
    expect(value(`${F3}string-starts-with`, atom.string("/_/"), atom.string("/_/stats"))).toBe(true);
    expect(value(`${F3}string-starts-with`, atom.string("/_/stats"), atom.string("/_/"))).toBe(false);
    expect(value(`${F3}string-ends-with`, atom.string(".json"), atom.string("a.json"))).toBe(true);
    expect(value(`${F3}string-contains`, atom.string("ad"), atom.string("reader"))).toBe(true);
    expect(value(`${F3}anyURI-starts-with`, atom.string("urn:"), uri("urn:x"))).toBe(true);
  });

  test("concatenate and normalise", () => {
    expect(value(`${F2}string-concatenate`, atom.string("a"), atom.string("b"), atom.string("c"))).toBe("abc");
    expect(value(`${F1}string-normalize-space`, atom.string("  a b  "))).toBe("a b");
    expect(value(`${F1}string-normalize-to-lower-case`, atom.string("ReAdEr"))).toBe("reader");
  });

  test("100,000 distinct patterns (a request attribute can supply one) leave the compiled cache at its bound", () => {
    for (let n = 0; n < 100_000; n++) {
      expect(value(`${F1}string-regexp-match`, atom.string(`^/p${n}$`), atom.string(`/p${n}`))).toBe(true);
      if (n % 1000 === 0) expect(patternsHeld()).toBeLessThanOrEqual(PATTERNS_KEPT);
    }
    expect(patternsHeld()).toBeLessThanOrEqual(PATTERNS_KEPT);
    expect(patternsHeld()).toBeGreaterThanOrEqual(PATTERNS_KEPT / 2);
  });
});
