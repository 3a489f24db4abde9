import { describe, expect, test } from "bun:test";
import { BuntimeError } from "../../../../errors.ts";
import { type PolicyEntry, parseEntry } from "../pdp/index.ts";
import { memoryStore } from "./memory-store.ts";
import { PolicyStore, type StoreBackend } from "./store.ts";

function entry(id: string, effect = "permit"): PolicyEntry {
  const r = parseEntry({ id, effect });
  if (!r.ok) throw new Error("invalid");
  return r.value;
}

async function loaded(initial: unknown[] = []): Promise<PolicyStore> {
  const store = new PolicyStore(memoryStore(initial));
  await store.load();
  return store;
}

describe("the policy store", () => {
  test("loads and validates the initial policies", async () => {
    const store = await loaded([{ id: "a", effect: "permit" }]);
    expect(store.list().map((e) => e.id)).toEqual(["a"]);
  });

  test("refuses to load invalid policies, naming the path", async () => {
    const store = new PolicyStore(memoryStore([{ id: "a", effect: "allow" }]));
    await expect(store.load()).rejects.toThrow("memory store: invalid policies: $[0].effect");
  });

  test("add refuses a taken id with POLICY_EXISTS", async () => {
    const store = await loaded([{ id: "a", effect: "permit" }]);
    const error = await store.add(entry("a")).catch((e) => e);
    expect(error).toBeInstanceOf(BuntimeError);
    expect((error as BuntimeError).code).toBe("POLICY_EXISTS");
  });

  test("put replaces in place or appends; remove says whether it removed", async () => {
    const store = await loaded([
      { id: "a", effect: "permit" },
      { id: "b", effect: "permit" },
    ]);
    expect(await store.put(entry("a", "deny"))).toBe("replaced");
    expect(await store.put(entry("c"))).toBe("created");
    expect(store.list().map((e) => [e.id, (e.source as { effect: string }).effect])).toEqual([
      ["a", "deny"],
      ["b", "permit"],
      ["c", "permit"],
    ]);
    expect(await store.remove("b")).toBe(true);
    expect(await store.remove("b")).toBe(false);
    expect(store.list().map((e) => e.id)).toEqual(["a", "c"]);
  });

  test("concurrent adds of one id: exactly one wins", async () => {
    const store = await loaded();
    const results = await Promise.allSettled([store.add(entry("x")), store.add(entry("x")), store.add(entry("x"))]);
    expect(results.filter((r) => r.status === "fulfilled")).toHaveLength(1);
    expect(store.list()).toHaveLength(1);
  });

  test("a failed write changes nothing, and later changes still run", async () => {
    let fail = true;
    const backend: StoreBackend = {
      name: "flaky",
      read: async () => [],
      write: async () => {
        if (fail) throw new Error("disk full");
      },
    };
    const store = new PolicyStore(backend);
    await store.load();
    await expect(store.add(entry("a"))).rejects.toThrow("disk full");
    expect(store.list()).toEqual([]);
    fail = false;
    await store.add(entry("b"));
    expect(store.list().map((e) => e.id)).toEqual(["b"]);
  });

  test("subscribers hear every change", async () => {
    const store = new PolicyStore(memoryStore([]));
    const seen: string[][] = [];
    store.subscribe((entries) => seen.push(entries.map((e) => e.id)));
    await store.load();
    await store.add(entry("a"));
    await store.remove("a");
    expect(seen).toEqual([[], ["a"], []]);
  });
});
