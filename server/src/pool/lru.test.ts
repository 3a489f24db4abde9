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

test("touching the most recent key again keeps the order; deleting it, then touching it, adds it back", () => {
  const list = new RecencyList<string>();
  list.touch("a");
  list.touch("b");
  list.touch("b");
  expect([...list.oldestFirst()]).toEqual(["a", "b"]);
  list.delete("b");
  list.touch("b");
  expect([...list.oldestFirst()]).toEqual(["a", "b"]);
  list.touch("a");
  list.touch("b");
  expect([...list.oldestFirst()]).toEqual(["a", "b"]);
});
