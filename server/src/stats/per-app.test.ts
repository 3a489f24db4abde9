import { describe, expect, test } from "bun:test";
import { MAX_TRACKED_APPS, PerAppStats } from "./per-app.ts";

describe("PerAppStats", () => {
  test("counts requests, statuses and runtime error codes per app, with latency percentiles", () => {
    const stats = new PerAppStats();
    for (let i = 1; i <= 100; i++) stats.record("a", "2xx", undefined, i);
    stats.record("a", "5xx", "WORKER_CRASHED", 1);
    stats.record("b", "4xx", undefined, 3);
    const json = stats.toJSON();
    expect(json.a).toEqual({
      requests: 101,
      byStatus: { "2xx": 100, "5xx": 1 },
      errors: { byCode: { WORKER_CRASHED: 1 } },
      latencyMs: { p50: 50, p99: 99 },
    });
    expect(json.b?.requests).toBe(1);
    expect(json.b?.errors.byCode).toEqual({});
  });

  test("keeps at most MAX_TRACKED_APPS apps, forgetting the least recently served", () => {
    const stats = new PerAppStats();
    for (let i = 0; i <= MAX_TRACKED_APPS * 2; i++) stats.record(`app-${i}`, "2xx", undefined, 1);
    const names = Object.keys(stats.toJSON());
    // quick-lru rotates two generations and may list one more than maxSize meanwhile.
    expect(names.length).toBeLessThanOrEqual(MAX_TRACKED_APPS + 1);
    expect(names).toContain(`app-${MAX_TRACKED_APPS * 2}`);
    expect(names).not.toContain("app-0");
  });

  test("a copy: changing what toJSON returned changes nothing kept", () => {
    const stats = new PerAppStats();
    stats.record("a", "2xx", "X", 1);
    const first = stats.toJSON();
    (first.a as { errors: { byCode: Record<string, number> } }).errors.byCode.X = 99;
    expect(stats.toJSON().a?.errors.byCode.X).toBe(1);
  });
});
