import { expect, test } from "bun:test";
import { addBounded } from "./bounds.ts";

test("addBounded keeps at most `max` entries, forgetting the first added", () => {
  const map = new Map<string, number>();
  for (let i = 0; i < 5; i++) expect(addBounded(map, `k${i}`, i, 3)).toBe(i);
  expect([...map.keys()]).toEqual(["k2", "k3", "k4"]);
});
