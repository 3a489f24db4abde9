import { describe, expect, test } from "bun:test";
import { isTraceparent, newTraceparent, traceparentFor } from "./traceparent.ts";

const VALID = "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01";

describe("traceparent", () => {
  test("valid ones are kept as they are", () => {
    expect(traceparentFor(VALID)).toBe(VALID);
    // A future version may add fields.
    expect(isTraceparent("01-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01-extra")).toBe(true);
  });

  const invalid = [
    "",
    "junk",
    VALID.toUpperCase(),
    "ff-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01",
    "00-00000000000000000000000000000000-b7ad6b7169203331-01",
    "00-0af7651916cd43dd8448eb211c80319c-0000000000000000-01",
    `${VALID}-extra`,
    "00-0af7651916cd43dd8448eb211c80319-b7ad6b7169203331-01",
    `01-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01-${"x".repeat(300)}`,
  ];
  for (const value of invalid) {
    test(`refused and replaced: ${JSON.stringify(value.slice(0, 60))}`, () => {
      expect(isTraceparent(value)).toBe(false);
      const made = traceparentFor(value);
      expect(made).not.toBe(value);
      expect(isTraceparent(made)).toBe(true);
    });
  }

  test("a new one is version 00, random, valid; a list (repeated header) is replaced", () => {
    const a = newTraceparent();
    expect(a).toMatch(/^00-[0-9a-f]{32}-[0-9a-f]{16}-00$/);
    expect(newTraceparent()).not.toBe(a);
    expect(isTraceparent(traceparentFor([VALID, VALID]))).toBe(true);
    expect(isTraceparent(traceparentFor(undefined))).toBe(true);
  });
});

test("new traceparents never repeat, across batches of random bytes", () => {
  const made = new Set<string>();
  // More than two batches: a refill must not hand out an id twice.
  for (let i = 0; i < 1200; i++) made.add(newTraceparent());
  expect(made.size).toBe(1200);
  for (const value of made) expect(isTraceparent(value)).toBe(true);
});
