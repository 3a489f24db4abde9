import { expect, test } from "bun:test";
import { addBounded, addBoundedByUse } from "./bounds.ts";

test("addBounded keeps at most `max` entries, forgetting the first added", () => {
  const map = new Map<string, number>();
  for (let i = 0; i < 5; i++) expect(addBounded(map, `k${i}`, i, 3)).toBe(i);
  expect([...map.keys()]).toEqual(["k2", "k3", "k4"]);
});

test("addBoundedByUse forgets the entry least recently used, never the one just added", () => {
  const map = new Map<string, { used: number }>();
  addBoundedByUse(map, "a", { used: 1 }, 2);
  addBoundedByUse(map, "b", { used: 2 }, 2);
  (map.get("a") as { used: number }).used = 3; // a used again
  addBoundedByUse(map, "c", { used: 0 }, 2);
  expect([...map.keys()]).toEqual(["a", "c"]);
});
