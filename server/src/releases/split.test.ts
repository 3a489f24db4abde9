import { describe, expect, test } from "bun:test";
import { compileSplit, pick } from "./split.ts";

const KEYS = Array.from({ length: 10_000 }, (_, i) => `client-${i}-${(i * 2654435761) % 1000003}`);

function shares(traffic: Record<string, number>) {
  const split = compileSplit(traffic);
  const landed = new Map<string, string>();
  const counts: Record<string, number> = {};
  for (const key of KEYS) {
    const version = pick(split, key) as string;
    landed.set(key, version);
    counts[version] = (counts[version] ?? 0) + 1;
  }
  return { landed, counts };
}

describe("weighted rendezvous split", () => {
  test("90/10 over 10,000 distinct keys lands within ±2 % of the split", () => {
    const { counts } = shares({ "2.0.0": 90, "2.1.0": 10 });
    expect(Math.abs((counts["2.0.0"] ?? 0) / KEYS.length - 0.9)).toBeLessThanOrEqual(0.02);
    expect(Math.abs((counts["2.1.0"] ?? 0) / KEYS.length - 0.1)).toBeLessThanOrEqual(0.02);
  });

  test("three versions 50/30/20 land within ±2 % each", () => {
    const { counts } = shares({ "1.0.0": 50, "2.0.0": 30, "3.0.0": 20 });
    expect(Math.abs((counts["1.0.0"] ?? 0) / KEYS.length - 0.5)).toBeLessThanOrEqual(0.02);
    expect(Math.abs((counts["2.0.0"] ?? 0) / KEYS.length - 0.3)).toBeLessThanOrEqual(0.02);
    expect(Math.abs((counts["3.0.0"] ?? 0) / KEYS.length - 0.2)).toBeLessThanOrEqual(0.02);
  });

  test("one key always lands on one version while the split is unchanged (order of the record aside)", () => {
    const a = compileSplit({ "2.0.0": 90, "2.1.0": 10 });
    const b = compileSplit({ "2.1.0": 10, "2.0.0": 90 });
    for (const key of KEYS.slice(0, 500)) {
      const first = pick(a, key);
      for (let i = 0; i < 5; i++) expect(pick(a, key)).toBe(first as string);
      expect(pick(b, key)).toBe(first as string);
    }
  });

  test("90/10 → 80/20 moves about 10 % of keys, all from the shrinking version to the growing one", () => {
    const before = shares({ "2.0.0": 90, "2.1.0": 10 }).landed;
    const after = shares({ "2.0.0": 80, "2.1.0": 20 }).landed;
    let moved = 0;
    for (const key of KEYS) {
      if (before.get(key) === after.get(key)) continue;
      moved++;
      expect(before.get(key)).toBe("2.0.0");
      expect(after.get(key)).toBe("2.1.0");
    }
    expect(moved / KEYS.length).toBeGreaterThan(0.08);
    expect(moved / KEYS.length).toBeLessThan(0.12);
  });

  test("adding a third version takes keys from both others and moves none between them", () => {
    const before = shares({ "1.0.0": 50, "2.0.0": 50 }).landed;
    const after = shares({ "1.0.0": 40, "2.0.0": 40, "3.0.0": 20 }).landed;
    for (const key of KEYS) {
      if (before.get(key) !== after.get(key)) expect(after.get(key)).toBe("3.0.0");
    }
  });

  test("a version that is gone from disk is skipped; none available gives undefined; weight 0 never wins", () => {
    const split = compileSplit({ "2.0.0": 90, "2.1.0": 10, "3.0.0": 0 });
    expect(split.versions).toEqual(["2.0.0", "2.1.0"]);
    for (const key of KEYS.slice(0, 200)) expect(pick(split, key, (v) => v !== "2.0.0")).toBe("2.1.0");
    expect(pick(split, "k", () => false)).toBeUndefined();
  });
});
