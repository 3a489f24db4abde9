/**
 * Scenario `memory`: resident memory per idle worker. A fresh runtime's RSS (VmRSS of
 * /proc/<pid>/status) is read with no worker, then N versions are requested once each and
 * left idle, and RSS is read again: (after − before) ÷ N. The baseline is the RSS of one plain
 * Bun.serve process serving the same app after one request — what each app would cost as a
 * process of its own.
 */
import { HELLO, writeApp } from "../apps.ts";
import { expectOk, interleave, withServer } from "../measure.ts";
import { rssBytes } from "../proc.ts";
import type { BenchContext, Scenario } from "../scenario.ts";
import { startPlain } from "../servers/plain.ts";
import { startRuntime } from "../servers/runtime.ts";
import { summarise } from "../stats.ts";

const MB = 1024 * 1024;
/** Time for allocations of the last start-up or request to show in RSS before it is read. */
const SETTLE_MS = 1000;

interface Sample {
  baseMb: number;
  perWorkerMb: number;
  workers: number;
}

export const memory: Scenario = {
  name: "memory",
  title: "RSS per idle worker (N versions requested once) vs RSS of a plain Bun.serve process",
  async run(ctx) {
    const count = ctx.options.memoryWorkers;
    const dir = ctx.workspace.appsDir("memory");
    const modules = Array.from({ length: count }, (_, i) => writeApp(dir, "idle", `1.0.${i}`, HELLO));
    const results = await interleave(ctx, ["runtime", "plain"] as const, async (side, round) => {
      const sample =
        side === "runtime" ? await runtimeSample(ctx, dir, count) : await plainSample(ctx, modules[0] as string);
      ctx.log(
        `  round ${round + 1} memory ${side}: base ${sample.baseMb.toFixed(1)} MB, ${sample.perWorkerMb.toFixed(2)} MB per app`,
      );
      return sample;
    });
    const short = results.runtime.filter((s) => s.workers !== count);
    return [
      {
        measure: `RSS per idle app (${count} workers)`,
        unit: "MB",
        better: "lower",
        a: { label: "runtime: per worker", summary: summarise(results.runtime.map((s) => s.perWorkerMb)) },
        b: { label: "Bun.serve process", summary: summarise(results.plain.map((s) => s.perWorkerMb)) },
        notes: short.length
          ? [
              `${short.length} round(s) had another number of live workers than ${count}: ${short.map((s) => s.workers)}`,
            ]
          : [],
      },
      {
        measure: "RSS of the server, no app loaded",
        unit: "MB",
        better: "lower",
        a: { label: "runtime, 0 workers", summary: summarise(results.runtime.map((s) => s.baseMb)) },
        b: { label: "Bun.serve, app loaded", summary: summarise(results.plain.map((s) => s.baseMb)) },
      },
    ];
  },
};

async function runtimeSample(ctx: BenchContext, dir: string, count: number): Promise<Sample> {
  const start = () =>
    startRuntime({ appsDir: dir, config: ctx.workspace.config, env: { POOL_SIZE: String(Math.max(100, count)) } });
  return withServer(ctx, start, async (server) => {
    await Bun.sleep(SETTLE_MS);
    const before = rssBytes(server.pid);
    for (let i = 0; i < count; i++) await expectOk(server.appUrl(`idle@1.0.${i}`, "/"));
    await Bun.sleep(SETTLE_MS);
    const after = rssBytes(server.pid);
    const metrics = (await (await fetch(new URL("/_/metrics", server.url))).json()) as { workers?: { total?: number } };
    return { baseMb: before / MB, perWorkerMb: (after - before) / count / MB, workers: metrics.workers?.total ?? -1 };
  });
}

async function plainSample(ctx: BenchContext, module: string): Promise<Sample> {
  return withServer(
    ctx,
    () => startPlain(module),
    async (server) => {
      await expectOk(server.appUrl("", "/"));
      await Bun.sleep(SETTLE_MS);
      const rss = rssBytes(server.pid) / MB;
      return { baseMb: rss, perWorkerMb: rss, workers: 1 };
    },
  );
}
