import { expect, test } from "bun:test";
import { IdTable } from "./id-table.ts";

test("set, get, has, delete and size, as a Map's", () => {
  const table = new IdTable<string>();
  expect(table.size).toBe(0);
  table.set(1, "a");
  table.set(2, "b");
  table.set(2, "B");
  expect([table.size, table.get(1), table.get(2), table.get(3), table.has(2), table.has(3)]).toEqual([
    2,
    "a",
    "B",
    undefined,
    true,
    false,
  ]);
  expect(table.delete(1)).toBe(true);
  expect(table.delete(1)).toBe(false);
  expect([table.size, table.get(1), table.has(1)]).toEqual([1, undefined, false]);
});

test("values, entries and first go by ascending id, whatever order they were set in", () => {
  const table = new IdTable<string>();
  for (const id of [30, 4, 1_000_000, 17, 2 ** 31]) table.set(id, `v${id}`);
  expect(table.values()).toEqual(["v4", "v17", "v30", "v1000000", `v${2 ** 31}`]);
  expect(table.entries()).toEqual([
    [4, "v4"],
    [17, "v17"],
    [30, "v30"],
    [1_000_000, "v1000000"],
    [2 ** 31, `v${2 ** 31}`],
  ]);
  expect(table.first()).toBe("v4");
  table.delete(4);
  expect(table.first()).toBe("v17");
  table.clear();
  expect([table.size, table.first(), table.values()]).toEqual([0, undefined, []]);
});

test("a long run of ids, a few in flight at a time (the pool's pattern), stays consistent", () => {
  const table = new IdTable<{ id: number }>();
  for (let id = 1; id <= 200_000; id++) {
    table.set(id, { id });
    if (id > 32) table.delete(id - 32);
  }
  expect(table.size).toBe(32);
  expect(table.first()).toEqual({ id: 200_000 - 31 });
  expect(table.values().map((v) => v.id)).toEqual(Array.from({ length: 32 }, (_, i) => 200_000 - 31 + i));
});

test("values are copies: deleting while going through them is safe", () => {
  const table = new IdTable<number>();
  for (let id = 1; id <= 5; id++) table.set(id, id * 10);
  const seen: number[] = [];
  for (const value of table.values()) {
    seen.push(value);
    table.delete(value / 10 + 1);
  }
  expect(seen).toEqual([10, 20, 30, 40, 50]);
});
