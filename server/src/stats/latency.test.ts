import { expect, test } from "bun:test";
import { LatencyWindow } from "./latency.ts";

test("nearest-rank percentiles over the samples", () => {
  const window = new LatencyWindow(1000);
  for (let ms = 1; ms <= 100; ms++) window.record(ms);
  expect(window.percentiles()).toEqual({ count: 100, p50: 50, p90: 90, p99: 99 });
});

test("only the last `capacity` samples count", () => {
  const window = new LatencyWindow(10);
  for (let i = 0; i < 100; i++) window.record(1000);
  for (let i = 0; i < 10; i++) window.record(5);
  expect(window.percentiles()).toMatchObject({ count: 110, p50: 5, p99: 5 });
});

test("empty", () => expect(new LatencyWindow().percentiles()).toEqual({ count: 0, p50: 0, p90: 0, p99: 0 }));
