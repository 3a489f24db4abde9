import { expect, test } from "bun:test";
import { RecencyList } from "./lru.ts";

test("orders keys from least to most recently used", () => {
  const list = new RecencyList<string>();
  list.touch("a");
  list.touch("b");
  list.touch("c");
  list.touch("a");
  expect([...list.oldestFirst()]).toEqual(["b", "c", "a"]);
  list.delete("c");
  expect([...list.oldestFirst()]).toEqual(["b", "a"]);
  expect(list.size).toBe(2);
});
