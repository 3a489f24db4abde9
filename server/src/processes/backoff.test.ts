import { describe, expect, test } from "bun:test";
import { FIRST_DELAY_MS, MAX_DELAY_MS, nextCrashCount, restartDelayMs, STABLE_MS } from "./backoff.ts";

describe("restartDelayMs", () => {
  test.each([
    [1, FIRST_DELAY_MS],
    [2, FIRST_DELAY_MS * 2],
    [3, FIRST_DELAY_MS * 4],
    [8, FIRST_DELAY_MS * 128],
    [9, FIRST_DELAY_MS * 256], // 25.6 s
    [10, MAX_DELAY_MS], // 51.2 s is over the cap
    [1000, MAX_DELAY_MS],
  ])("after crash %d: %d ms", (crashes, delay) => {
    expect(restartDelayMs(crashes)).toBe(delay);
  });

  test("never over the cap, never under the first delay", () => {
    for (let crashes = 0; crashes < 100; crashes++) {
      expect(restartDelayMs(crashes)).toBeGreaterThanOrEqual(FIRST_DELAY_MS);
      expect(restartDelayMs(crashes)).toBeLessThanOrEqual(MAX_DELAY_MS);
    }
  });
});

describe("nextCrashCount", () => {
  test("a quick crash counts one more", () => {
    expect(nextCrashCount(0, 0)).toBe(1);
    expect(nextCrashCount(3, STABLE_MS - 1)).toBe(4);
  });

  test("a crash after STABLE_MS up starts again from the first", () => {
    expect(nextCrashCount(7, STABLE_MS)).toBe(1);
    expect(nextCrashCount(7, STABLE_MS * 10)).toBe(1);
  });
});
