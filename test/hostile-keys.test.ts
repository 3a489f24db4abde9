/**
 * Memory under hostile input, through a real server: thousands of distinct range strings and app
 * names that do not exist leave the catalogue's range cache at its bound and create no metric
 * series (sizes are read directly; no RSS or timing asserts).
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { RESOLUTIONS_KEPT } from "../server/src/apps/catalog.ts";
import { normaliseConfig } from "../server/src/config/buntime-config.ts";
import { ROOT, startTestServer, type TestServer } from "./_setup.ts";

const ADMIN_TOKEN = "hostile-keys-test-admin-token";
let server: TestServer;
beforeAll(async () => {
  server = await startTestServer(
    { BUNTIME_ADMIN_TOKEN: ADMIN_TOKEN },
    { config: normaliseConfig({ required: ["@buntime/metrics"], plugins: ["@buntime/metrics"] }, ROOT) },
  );
});
afterAll(() => server.stop());

/** Fetches every path, `batch` at a time; returns how many answered each status. */
async function flood(paths: string[], batch = 100): Promise<Record<number, number>> {
  const statuses: Record<number, number> = {};
  for (let i = 0; i < paths.length; i += batch) {
    const answers = await Promise.all(
      paths.slice(i, i + batch).map(async (path) => {
        const res = await fetch(server.at(path));
        await res.arrayBuffer();
        return res.status;
      }),
    );
    for (const status of answers) statuses[status] = (statuses[status] ?? 0) + 1;
  }
  return statuses;
}

describe("hostile keys through a real server", () => {
  test("distinct ranges and unknown apps leave the range cache at its bound and add no metric series", async () => {
    const ranges = Array.from({ length: 3 * RESOLUTIONS_KEPT }, (_, n) => `/hello@1.0.0-x${n}/`);
    const long = Array.from({ length: 300 }, (_, n) => `/hello@1.0.0-${"y".repeat(1024)}${n}/`);
    const unknown = Array.from({ length: 1000 }, (_, n) => `/nope-${n}@1/`);
    const statuses = await flood([...ranges, ...long, ...unknown]);
    // VERSION_NOT_FOUND, APP_NOT_FOUND (both 404) and INVALID_VERSION (the over-long ranges, 400).
    expect(statuses).toEqual({ 404: ranges.length + unknown.length, 400: long.length });
    expect(server.catalog.resolutionsHeld).toBeLessThanOrEqual(RESOLUTIONS_KEPT);
    expect(server.catalog.resolutionsHeld).toBeGreaterThan(0);

    // Still served, and still one cached answer for a range used again.
    expect((await fetch(server.at("/hello@1/"))).status).toBe(200);

    const metrics = await fetch(server.at("/_/metrics/prometheus"), {
      headers: { authorization: `Bearer ${ADMIN_TOKEN}` },
    });
    expect(metrics.status).toBe(200);
    const text = await metrics.text();
    expect(text).not.toContain("nope-");
    expect(text).not.toContain("1.0.0-x");
    // Series by app and version exist only for versions that served: hello@1.1.0 here.
    const requestSeries = text.split("\n").filter((line) => line.startsWith("buntime_requests_total{"));
    expect(requestSeries).toEqual([
      'buntime_requests_total{app="",version="",status="4xx"} 4300',
      'buntime_requests_total{app="hello",version="1.1.0",status="2xx"} 1',
    ]);
    const errorSeries = text.split("\n").filter((line) => line.startsWith("buntime_runtime_errors_total{"));
    expect(errorSeries.sort()).toEqual([
      'buntime_runtime_errors_total{code="APP_NOT_FOUND"} 1000',
      'buntime_runtime_errors_total{code="INVALID_VERSION"} 300',
      'buntime_runtime_errors_total{code="VERSION_NOT_FOUND"} 3000',
    ]);
  }, 120_000);
});
