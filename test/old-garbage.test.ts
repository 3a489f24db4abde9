/**
 * What a proxied request leaves for the full collections. Every request's objects (its exchange,
 * promise, `Request` and `Response`) used to reach the old generation, kept reachable by the
 * long-lived `Map`s that tracked requests in flight, and full collections (their pauses, and
 * their concurrent cycles on a shared core) were most of the proxy's tail latency:
 * util/id-table.ts and bench/README.md ("Where the time goes") say what was measured.
 */
import { expect, test } from "bun:test";
import { join } from "node:path";
import { run } from "./_run.ts";
import { ROOT } from "./_setup.ts";

test("requests served through the pipeline and the pool leave (almost) nothing in the old generation", async () => {
  const {
    code,
    stdout: out,
    stderr: err,
  } = await run([process.execPath, join(import.meta.dir, "support/old-garbage.ts")], {
    cwd: ROOT,
    env: {
      PATH: process.env.PATH ?? "",
      HOME: process.env.HOME ?? "/tmp",
      BUN_JSC_useConcurrentGC: "0",
      BUN_JSC_minEdenToOldGenerationRatio: "0",
      REQUESTS: "20000",
    },
  });
  expect({ code, err: code === 0 ? "" : err }).toEqual({ code: 0, err: "" });
  const { served, perRequest } = JSON.parse(out.trim().split("\n").at(-1) ?? "{}") as {
    served: number;
    perRequest: number;
  };
  expect(served).toBe(20000);
  // Measured: 9.4 objects per request with the Maps, 0.2 without (the requests in flight at the
  // last collections, and the odd structure).
  expect(perRequest).toBeLessThan(1);
}, 60_000);
