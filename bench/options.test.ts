import { expect, test } from "bun:test";
import { parseBenchArgs } from "./options.ts";
import { selectScenarios } from "./scenarios/index.ts";

test("--against names the ref to compare with, and runs the comparison alone", () => {
  const options = parseBenchArgs(["--against", "main~3", "--rounds", "8"]);
  expect(options.against).toBe("main~3");
  expect(options.rounds).toBe(8);
  expect(selectScenarios(options.only, options.against).map((s) => s.name)).toEqual(["compare"]);
  expect(selectScenarios([], undefined).map((s) => s.name)).not.toContain("compare");
});

test("--against with --only, or an empty ref, is refused with the flag named", () => {
  expect(() => selectScenarios(["hello"], "main")).toThrow("--against");
  expect(() => parseBenchArgs(["--against", ""])).toThrow("--against");
  expect(() => parseBenchArgs(["--rounds", "0"])).toThrow("--rounds");
});

test("--cpus sets pinned mode; 0 or a non-number is refused", () => {
  expect(parseBenchArgs(["--cpus", "1"]).cpus).toBe(1);
  expect(parseBenchArgs([]).cpus).toBeUndefined();
  expect(() => parseBenchArgs(["--cpus", "0"])).toThrow("--cpus");
  expect(() => parseBenchArgs(["--cpus", "one"])).toThrow("--cpus");
});
