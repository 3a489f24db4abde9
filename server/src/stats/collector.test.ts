import { expect, test } from "bun:test";
import { newPoolCounters } from "../pool/counters.ts";
import { PoolEmitter } from "../pool/events.ts";
import { MAX_TRACKED_VERSIONS } from "./bounds.ts";
import { StatsCollector } from "./collector.ts";

const served = (app: string, version: string) => ({
  app,
  version,
  method: "GET",
  status: 200,
  durationMs: 1,
  code: undefined,
});

function byVersion(stats: StatsCollector): Record<string, number> {
  return stats.toJSON({}).requests.byVersion;
}

test("a removed version's count goes; the app's figures go with its last version", () => {
  const stats = new StatsCollector(newPoolCounters(), new PoolEmitter());
  for (const [app, version] of [
    ["a", "1.0.0"],
    ["a", "2.0.0"],
    ["b", "1.0.0"],
  ] as const) {
    stats.requestStarted();
    stats.requestEnded(served(app, version));
  }
  stats.versionRemoved({ app: "a", version: "1.0.0", lastOfApp: false });
  stats.versionRemoved({ app: "b", version: "1.0.0", lastOfApp: true });
  expect(byVersion(stats)).toEqual({ "a@2.0.0": 1 });
  expect(Object.keys(stats.toJSON({}).apps)).toEqual(["a"]);
});

test("versions per app are bounded, the first counted forgotten first (what removal did not catch)", () => {
  const stats = new StatsCollector(newPoolCounters(), new PoolEmitter());
  for (let i = 0; i < MAX_TRACKED_VERSIONS + 5; i++) stats.requestEnded(served("a", `1.0.${i}`));
  const versions = Object.keys(byVersion(stats));
  expect(versions).toHaveLength(MAX_TRACKED_VERSIONS);
  expect(versions[0]).toBe("a@1.0.5");
});
