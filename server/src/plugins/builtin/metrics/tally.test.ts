import { expect, test } from "bun:test";
import { Histogram, Registry } from "prom-client";
import { MAX_TRACKED_APPS, MAX_TRACKED_VERSIONS } from "../../../stats/bounds.ts";
import { RequestTally, tallyHistogram } from "./tally.ts";

const BOUNDS = [0.001, 0.01, 0.1, 1];

test("requests by app, version and status class; errors by code; in the order first seen", () => {
  const tally = new RequestTally(BOUNDS);
  tally.record("hello", "1.0.0", 200, undefined, 0.002);
  tally.record("hello", "1.0.0", 204, undefined, 0.002);
  tally.record("", "", 404, "APP_NOT_FOUND", 0.0001);
  tally.record("hello", "2.0.0", 502, "WORKER_CRASHED", 0.5);
  tally.record("hello", "1.0.0", 302, undefined, 0.002);
  expect([...tally.requests()]).toEqual([
    { app: "hello", version: "1.0.0", status: "2xx", count: 2 },
    { app: "hello", version: "1.0.0", status: "3xx", count: 1 },
    { app: "hello", version: "2.0.0", status: "5xx", count: 1 },
    { app: "", version: "", status: "4xx", count: 1 },
  ]);
  expect([...tally.errors()]).toEqual([
    ["APP_NOT_FOUND", 1],
    ["WORKER_CRASHED", 1],
  ]);
});

test("the histogram reads exactly what prom-client's Histogram reports for the same observations", async () => {
  const tally = new RequestTally(BOUNDS);
  const ours = new Registry();
  ours.registerMetric(tallyHistogram({ name: "t_request_duration_seconds", help: "Time", tally }));
  const theirs = new Registry();
  const reference = new Histogram({
    name: "t_request_duration_seconds",
    help: "Time",
    labelNames: ["app"] as const,
    buckets: BOUNDS,
    registers: [theirs],
  });
  // Values on and between the bounds, above the last, and two apps.
  const seen: [string, number][] = [
    ["a", 0.0005],
    ["a", 0.001],
    ["b", 0.05],
    ["a", 0.1],
    ["a", 3],
    ["b", 0.01],
  ];
  for (const [app, seconds] of seen) {
    tally.record(app, "1.0.0", 200, undefined, seconds);
    reference.observe({ app }, seconds);
  }
  expect(await ours.metrics()).toBe(await theirs.metrics());
  // As JSON too (what the processes' merge reads), but for prom-client's empty exemplar fields.
  const withoutExemplars = (metrics: Awaited<ReturnType<Registry["getMetricsAsJSON"]>>) =>
    metrics.map((m) => ({
      ...m,
      values: m.values.map((value) => {
        const { exemplar: _, ...rest } = value as typeof value & { exemplar?: unknown };
        return rest;
      }),
    }));
  expect(await ours.getMetricsAsJSON()).toEqual(withoutExemplars(await theirs.getMetricsAsJSON()));
});

test("status codes outside 1xx-5xx are counted in the nearest class, never lost", () => {
  const tally = new RequestTally(BOUNDS);
  tally.record("x", "1", 99, undefined, 0);
  tally.record("x", "1", 600, undefined, 0);
  expect([...tally.requests()].map((r) => [r.status, r.count])).toEqual([
    ["0xx", 1],
    ["5xx", 1],
  ]);
});

test("forget drops a version, and the app with its last version", () => {
  const tally = new RequestTally(BOUNDS);
  tally.record("a", "1.0.0", 200, undefined, 0.002);
  tally.record("a", "2.0.0", 200, undefined, 0.002);
  tally.record("b", "1.0.0", 200, undefined, 0.002);
  tally.forget("a", "1.0.0", false);
  tally.forget("b", "1.0.0", true);
  expect([...tally.requests()].map((r) => `${r.app}@${r.version}`)).toEqual(["a@2.0.0"]);
  expect([...tally.latency().keys()]).toEqual(["a"]);
});

test("versions per app and apps are bounded, whatever is not forgotten (stats/bounds.ts)", () => {
  const tally = new RequestTally(BOUNDS);
  for (let i = 0; i < MAX_TRACKED_VERSIONS + 10; i++) tally.record("a", `1.0.${i}`, 200, undefined, 0.002);
  for (let i = 0; i < MAX_TRACKED_APPS + 10; i++) tally.record(`app-${i}`, "1.0.0", 200, undefined, 0.002);
  const versions = [...tally.requests()].filter((r) => r.app === "a").map((r) => r.version);
  expect(versions).toHaveLength(0); // "a" was the first app counted: gone with the bound on apps
  expect(tally.latency().size).toBe(MAX_TRACKED_APPS);
  const one = new RequestTally(BOUNDS);
  for (let i = 0; i < MAX_TRACKED_VERSIONS + 10; i++) one.record("a", `1.0.${i}`, 200, undefined, 0.002);
  const kept = [...one.requests()].map((r) => r.version);
  expect(kept).toHaveLength(MAX_TRACKED_VERSIONS);
  expect(kept[0]).toBe("1.0.10");
});

test("past the bound on apps, the app least recently served is forgotten, not the first counted (a busy app's series never restart)", () => {
  const tally = new RequestTally(BOUNDS);
  tally.record("busy", "1.0.0", 200, undefined, 0.002); // counted first, and served all along
  for (let i = 0; i < MAX_TRACKED_APPS + 10; i++) {
    tally.record(`app-${i}`, "1.0.0", 200, undefined, 0.002);
    tally.record("busy", "1.0.0", 200, undefined, 0.002);
  }
  const apps = new Set([...tally.requests()].map((r) => r.app));
  expect(apps.size).toBe(MAX_TRACKED_APPS);
  expect(apps.has("busy")).toBe(true);
  expect(apps.has("app-0")).toBe(false); // the stalest
  expect([...tally.requests()].find((r) => r.app === "busy")?.count).toBe(MAX_TRACKED_APPS + 11);
});
