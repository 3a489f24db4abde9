import { expect, test } from "bun:test";
import { nestsDeeperThan } from "./json-depth.ts";

const nested = (levels: number): unknown => {
  let value: unknown = 1;
  for (let i = 0; i < levels; i++) value = i % 2 === 0 ? [value] : { v: value };
  return value;
};

test("counts arrays and objects, not scalars", () => {
  expect(nestsDeeperThan(1, 0)).toBe(false);
  expect(nestsDeeperThan({}, 0)).toBe(true);
  expect(nestsDeeperThan({}, 1)).toBe(false);
  expect(nestsDeeperThan({ a: [{ b: 1 }] }, 3)).toBe(false);
  expect(nestsDeeperThan({ a: [{ b: 1 }] }, 2)).toBe(true);
  expect(nestsDeeperThan({ a: 1, b: [2, [3]] }, 2)).toBe(true);
});

test("a value nested 100,000 deep is judged without overflowing the stack", () => {
  expect(nestsDeeperThan(nested(100_000), 100)).toBe(true);
  expect(nestsDeeperThan(nested(100), 100)).toBe(false);
});
