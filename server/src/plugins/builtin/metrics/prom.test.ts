import { expect, test } from "bun:test";
import { join } from "node:path";

/** prom-client's files that the metrics plugin loads, from Bun's bundler. */
async function promClientFiles(): Promise<string[]> {
  const result = await Bun.build({ entrypoints: [join(import.meta.dir, "plugin.ts")], target: "bun", metafile: true });
  if (!result.success || !result.metafile) throw new Error(result.logs.map(String).join("\n"));
  return Object.keys(result.metafile.inputs)
    .filter((input) => input.includes("node_modules/prom-client/"))
    .map((input) => input.slice(input.indexOf("node_modules/prom-client/") + "node_modules/prom-client/".length));
}

test("the metrics load prom-client's own files, never its index, push gateway or default metrics", async () => {
  const files = await promClientFiles();
  expect(files).toContain("lib/registry.js");
  expect(files).toContain("lib/counter.js");
  expect(files).toContain("lib/cluster.js");
  expect(files).not.toContain("index.js");
  expect(files).not.toContain("lib/pushgateway.js");
  expect(files).not.toContain("lib/defaultMetrics.js");
});

test("the classes are prom-client's own (one module each, whichever way they are imported)", async () => {
  const prom = await import("./prom.ts");
  const index = await import("prom-client");
  expect(prom.Registry).toBe(index.Registry);
  expect(prom.Counter).toBe(index.Counter);
  expect(prom.Gauge).toBe(index.Gauge);
  expect(prom.AggregatorRegistry).toBe(index.AggregatorRegistry);
  expect(prom.openMetricsContentType).toBe(index.openMetricsContentType);
});
