import { afterEach, expect, test } from "bun:test";
import { availableParallelism } from "node:os";
import { pinned, pinning, setPinning } from "./pinning.ts";

afterEach(() => setPinning(undefined));

test("unpinned, commands run as given", () => {
  expect(pinned(["bun", "x.ts"], "server")).toEqual(["bun", "x.ts"]);
  expect(pinning()).toBeUndefined();
});

test("--cpus 1 puts the server on core 0 and the load generator on core 1", () => {
  setPinning(1);
  expect(pinned(["bun", "x.ts"], "server")).toEqual(["taskset", "-c", "0", "bun", "x.ts"]);
  expect(pinned(["wrk", "-t1"], "load")).toEqual(["taskset", "-c", "1", "wrk", "-t1"]);
});

test("asking for every core (none left for wrk) is refused", () => {
  expect(() => setPinning(availableParallelism())).toThrow("--cpus");
});
