import { describe, expect, test } from "bun:test";
import { MAX_CODES_PER_SECOND, PerSecondHistory, SECONDS } from "./per-second.ts";

const T0 = Date.parse("2026-12-03T10:00:00Z");

describe("PerSecondHistory", () => {
  test("counts each second's requests and error codes; percentiles within 25 %", () => {
    const history = new PerSecondHistory(T0);
    for (let i = 1; i <= 100; i++) history.record(i, i % 10 === 0 ? "APP_ERROR" : undefined, T0 + i);
    history.record(5, undefined, T0 + 1500); // the next second
    const second = history.lastSecond(T0 + 1000);
    expect(second.t).toBe(T0 / 1000);
    expect(second.requests).toBe(100);
    expect(second.errorsByCode).toEqual({ APP_ERROR: 10 });
    expect(second.p50).toBeGreaterThanOrEqual(50);
    expect(second.p50).toBeLessThanOrEqual(50 * 1.25);
    expect(second.p99).toBeGreaterThanOrEqual(99);
    expect(second.p99).toBeLessThanOrEqual(99 * 1.25);
    expect(history.lastSecond(T0 + 2000)).toMatchObject({ requests: 1, errorsByCode: {} });
  });

  test("a second without requests is zeros, not the slot's old figures from 15 minutes before", () => {
    const history = new PerSecondHistory(T0);
    history.record(1, "X", T0);
    const later = T0 + SECONDS * 1000;
    expect(history.lastSecond(later + 1000)).toEqual({
      t: later / 1000,
      requests: 0,
      p50: null,
      p99: null,
      errorsByCode: {},
    });
    history.record(2, undefined, later);
    expect(history.lastSecond(later + 1000)).toMatchObject({ requests: 1, errorsByCode: {} });
  });

  test("the window is the last 15 minutes of completed seconds, oldest first", () => {
    const history = new PerSecondHistory(T0);
    for (let s = 0; s < SECONDS + 30; s++) history.record(1, undefined, T0 + s * 1000);
    const now = T0 + (SECONDS + 30) * 1000;
    const window = history.window(now);
    expect(window).toHaveLength(SECONDS - 1);
    expect(window[0]?.t).toBe(now / 1000 - SECONDS + 1);
    expect(window.at(-1)?.t).toBe(now / 1000 - 1);
    expect(window.every((s) => s.requests === 1)).toBe(true);
  });

  test("no seconds from before it started: no data is not zero requests", () => {
    const history = new PerSecondHistory(T0 + 500);
    history.record(1, undefined, T0 + 600);
    expect(history.window(T0 + 3000).map((s) => [s.t, s.requests])).toEqual([
      [T0 / 1000, 1],
      [T0 / 1000 + 1, 0],
      [T0 / 1000 + 2, 0],
    ]);
  });

  test("bounded: at most MAX_CODES_PER_SECOND distinct codes in a second", () => {
    const history = new PerSecondHistory(T0);
    for (let i = 0; i < MAX_CODES_PER_SECOND * 3; i++) history.record(1, `CODE_${i}`, T0);
    expect(Object.keys(history.lastSecond(T0 + 1000).errorsByCode)).toHaveLength(MAX_CODES_PER_SECOND);
  });
});
