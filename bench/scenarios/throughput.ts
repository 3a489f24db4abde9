/**
 * Scenarios `hono`, `64k` and `1m` (`hello`, with more sides, is hello.ts): warm requests per second through the runtime
 * (main thread → worker thread → main thread) and from plain Bun.serve running the same module
 * in its main thread. The ratio is the share of plain Bun's throughput the runtime keeps.
 */
import { BYTES, HONO_JSON, NO_RECYCLE, writeApp } from "../apps.ts";
import type { LoadResult } from "../load/load.ts";
import { errorNotes, interleave, startSide, warmAndLoad, withServer } from "../measure.ts";
import type { Scenario } from "../scenario.ts";
import { summarise } from "../stats.ts";

interface Workload {
  name: string;
  measure: string;
  app: string;
  source: string;
  path: string;
  /** Least bytes a correct response has (wrk counts headers too, so this is a floor). */
  minBytes: number;
}

function throughputScenario(workload: Workload): Scenario {
  return {
    name: workload.name,
    title: `warm req/s, ${workload.measure}: runtime vs plain Bun.serve`,
    async run(ctx) {
      const dir = ctx.workspace.appsDir(`throughput-${workload.name}`);
      const module = writeApp(dir, workload.app, "1.0.0", workload.source, NO_RECYCLE);
      const results = await interleave(ctx, ["runtime", "plain"] as const, async (side, round) => {
        const start = startSide(ctx, side, dir, module);
        const result = await withServer(ctx, start, (server) =>
          warmAndLoad(ctx, server.appUrl(workload.app, workload.path)),
        );
        ctx.log(`  round ${round + 1} ${workload.name} ${side}: ${result.requestsPerSecond.toFixed(0)} req/s`);
        return result;
      });
      return [
        {
          measure: workload.measure,
          unit: "req/s",
          better: "higher",
          a: { label: "runtime", summary: summarise(results.runtime.map((r) => r.requestsPerSecond)) },
          b: { label: "Bun.serve", summary: summarise(results.plain.map((r) => r.requestsPerSecond)) },
          notes: [
            ...errorNotes("runtime", results.runtime),
            ...errorNotes("Bun.serve", results.plain),
            ...shortNotes(workload, [...results.runtime, ...results.plain]),
          ],
        },
      ];
    },
  };
}

function shortNotes(workload: Workload, results: LoadResult[]): string[] {
  const short = results.filter((r) => r.requests > 0 && r.bytes / r.requests < workload.minBytes);
  return short.length > 0 ? [`${short.length} run(s) averaged under ${workload.minBytes} bytes per response`] : [];
}

export const hono = throughputScenario({
  name: "hono",
  measure: "Hono JSON route",
  app: "hono",
  source: HONO_JSON,
  path: "/json",
  minBytes: 40,
});

export const bytes64k = throughputScenario({
  name: "64k",
  measure: "64 KiB response",
  app: "bytes",
  source: BYTES,
  path: "/64k",
  minBytes: 64 * 1024,
});

export const bytes1m = throughputScenario({
  name: "1m",
  measure: "1 MiB response",
  app: "bytes",
  source: BYTES,
  path: "/1m",
  minBytes: 1024 * 1024,
});
