/**
 * Scenario `recycle`: what recycling costs. The same hello app through the runtime under three
 * configs: `maxRequests: 1` (a worker is recycled after every request), the default (after
 * 1,000) and no recycling in practice (`maxRequests` 10⁹). Rows: maxRequests 1 against the
 * default, and the default against no recycling. Workers started during each measurement are
 * counted from `/_/metrics` (`pool.spawns`), so the notes say how many requests each worker
 * served: with 32 connections a worker may take several requests before its recycle begins.
 */
import { HELLO, NO_RECYCLE, writeApp } from "../apps.ts";
import type { LoadResult } from "../load/load.ts";
import { errorNotes, interleave, loadOptions, warmUp, withServer } from "../measure.ts";
import type { Scenario } from "../scenario.ts";
import { startRuntime } from "../servers/runtime.ts";
import type { ServerHandle } from "../servers/server.ts";
import { median, summarise } from "../stats.ts";

const VARIANTS = ["every", "default", "never"] as const;
type Variant = (typeof VARIANTS)[number];
const LABELS: Record<Variant, string> = { every: "maxRequests 1", default: "default (1000)", never: "no recycling" };

interface Sample {
  result: LoadResult;
  spawns: number;
}

export const recycle: Scenario = {
  name: "recycle",
  title: "recycle cost: runtime req/s with maxRequests 1 vs the default (1000) vs no recycling",
  async run(ctx) {
    const dir = ctx.workspace.appsDir("recycle");
    writeApp(dir, "every", "1.0.0", HELLO, { maxRequests: 1 });
    writeApp(dir, "default", "1.0.0", HELLO);
    writeApp(dir, "never", "1.0.0", HELLO, NO_RECYCLE);
    const results = await interleave(ctx, VARIANTS, async (variant, round) => {
      const start = () => startRuntime({ appsDir: dir, config: ctx.workspace.config });
      const sample = await withServer(ctx, start, async (server): Promise<Sample> => {
        const load = loadOptions(ctx, server.appUrl(variant, "/"), { timeoutSeconds: 30 });
        await warmUp(ctx, load);
        const before = await spawns(server);
        const result = await ctx.load.run(load);
        return { result, spawns: (await spawns(server)) - before };
      });
      ctx.log(
        `  round ${round + 1} recycle ${variant}: ${sample.result.requestsPerSecond.toFixed(0)} req/s, ${sample.spawns} workers started`,
      );
      return sample;
    });
    const side = (variant: Variant) => ({
      label: LABELS[variant],
      summary: summarise(results[variant].map((s) => s.result.requestsPerSecond)),
    });
    const perWorker = (variant: Variant) => {
      const ratios = results[variant].filter((s) => s.spawns > 0).map((s) => s.result.requests / s.spawns);
      return ratios.length ? `${LABELS[variant]}: median ${median(ratios).toFixed(1)} requests per worker started` : "";
    };
    const errors = (variant: Variant) =>
      errorNotes(
        LABELS[variant],
        results[variant].map((s) => s.result),
      );
    return [
      {
        measure: "hello, recycled after every request",
        unit: "req/s",
        better: "higher",
        a: side("every"),
        b: side("default"),
        notes: [...errors("every"), perWorker("every")].filter(Boolean),
      },
      {
        measure: "hello, default recycling",
        unit: "req/s",
        better: "higher",
        a: side("default"),
        b: side("never"),
        notes: [...errors("default"), ...errors("never"), perWorker("default")].filter(Boolean),
      },
    ];
  },
};

/** Workers the pool has started so far (`/_/metrics` → `pool.spawns`). */
async function spawns(server: ServerHandle): Promise<number> {
  const response = await fetch(new URL("/_/metrics", server.url));
  const metrics = (await response.json()) as { pool?: { spawns?: number } };
  return metrics.pool?.spawns ?? Number.NaN;
}
