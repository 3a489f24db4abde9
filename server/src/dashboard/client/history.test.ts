import { describe, expect, test } from "bun:test";
import { StatsHistory, WINDOW_SECONDS } from "./history.ts";
import type { SecondFigures, StatsEvent } from "./stats-types.ts";

const second = (t: number, requests: number, errorsByCode: Record<string, number> = {}): SecondFigures => ({
  t,
  requests,
  p50: requests ? 1 : null,
  p99: requests ? 9 : null,
  errorsByCode,
});

const stats = (total: number, app: Record<string, number>, lastSecond?: SecondFigures): StatsEvent => ({
  requests: { total },
  errors: { byCode: {} },
  latencyMs: { p50: 1, p99: 2 },
  apps: Object.fromEntries(
    Object.entries(app).map(([name, requests]) => [
      name,
      { requests, errors: { byCode: { APP_ERROR: Math.floor(requests / 10) } }, latencyMs: { p50: 3, p99: 4 } },
    ]),
  ),
  ...(lastSecond && { lastSecond }),
});

describe("StatsHistory", () => {
  test("every app: the server's seconds, whichever arrives first, each once, in time order", () => {
    const history = new StatsHistory();
    const now = 1_000_000_000;
    history.add(stats(0, {}, second(now - 1, 7)), now * 1000);
    history.addSeconds([second(now - 3, 5, { APP_ERROR: 1 }), second(now - 2, 6), second(now - 1, 7)], now * 1000);
    const series = history.series(undefined);
    expect(series.t).toEqual([now - 3, now - 2, now - 1]);
    expect(series.rps).toEqual([5, 6, 7]);
    expect(series.p99).toEqual([9, 9, 9]);
    expect(series.errors.get("APP_ERROR")).toEqual([1, 0, 0]);
  });

  test("seconds older than the window are dropped", () => {
    const history = new StatsHistory();
    const now = 2_000_000_000;
    history.addSeconds([second(now - WINDOW_SECONDS - 5, 1), second(now - 10, 2)], now * 1000);
    expect(history.series(undefined).t).toEqual([now - 10]);
  });

  test("one app: rates from counter differences between the events received", () => {
    const history = new StatsHistory();
    const t0 = 3_000_000_000_000;
    history.add(stats(100, { a: 100 }), t0);
    history.add(stats(150, { a: 120 }), t0 + 1000);
    history.add(stats(250, { a: 220 }), t0 + 2000);
    const series = history.series("a");
    expect(series.rps).toEqual([20, 100]);
    expect(series.p99).toEqual([4, 4]);
    expect(series.errors.get("APP_ERROR")).toEqual([2, 10]);
  });
});
