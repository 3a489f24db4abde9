/**
 * Serves `REQUESTS` requests through the runtime in-process (the pipeline and the pool, a real
 * worker), 32 at a time, then prints how many objects per request the young collections left in
 * the old generation as garbage: `bun:jsc` heapStats after a synchronous eden collection, minus
 * after a full one. Meaningful only with JSC deciding nothing by itself, so the parent runs it
 * with `BUN_JSC_useConcurrentGC=0` (no object survives by being allocated during a concurrent
 * cycle) and `BUN_JSC_minEdenToOldGenerationRatio=0` (no eden collection turned full).
 * Used by test/old-garbage.test.ts; prints one JSON line `{"served", "perRequest"}` (`served`: the requests the app answered).
 */
import { edenGC, fullGC, heapStats } from "bun:jsc";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { loadEnv, silentLogger, startServer } from "@buntime/server";

const apps = mkdtempSync(join(tmpdir(), "old-garbage-"));
const dir = join(apps, "hello", "1.0.0");
await Bun.write(join(dir, "index.ts"), `export default { fetch: () => new Response("Hello") };\n`);
await Bun.write(join(dir, "worker.jsonc"), JSON.stringify({ maxRequests: 1_000_000_000 }));
const server = await startServer({
  env: loadEnv({ PORT: "0", HOST: "127.0.0.1", APPS_DIR: apps, LOG_LEVEL: "warn" }),
  logger: silentLogger,
});
const url = new URL("/hello/", server.url).href;
/** Serves `requests`; resolves with how many were answered 200 "Hello" by the app. */
async function serve(requests: number): Promise<number> {
  let left = requests;
  let answered = 0;
  await Promise.all(
    Array.from({ length: 32 }, async () => {
      while (left-- > 0) {
        const response = await server.fetch(new Request(url));
        if (response.ok && (await response.text()) === "Hello") answered++;
      }
    }),
  );
  return answered;
}
await serve(2000); // the worker started, the code warm
fullGC();
const requests = Number(process.env.REQUESTS ?? 20_000);
const served = await serve(requests);
edenGC();
const afterEden = heapStats().objectCount;
fullGC();
const afterFull = heapStats().objectCount;
console.log(JSON.stringify({ served, perRequest: (afterEden - afterFull) / requests }));
await server.stop(0);
rmSync(apps, { recursive: true, force: true });
process.exit(0);
