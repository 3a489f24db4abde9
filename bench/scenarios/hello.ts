/**
 * Scenario `hello`: warm req/s and latency of a plain-text hello, four servers side by side in
 * one interleaved run: the runtime (`maxRequests` 10⁹, so no recycle), the runtime with the
 * default `maxRequests`, plain Bun.serve of the same module, and the naive proxy
 * (servers/naive-host.ts: one worker, one JSON-string postMessage each way, nothing else: the
 * floor of the design). Latency is wrk's p50 and p99 of each round; the rows give their median
 * over rounds. Run pinned (`--cpus 1`) for the one-core figures.
 */
import { HELLO, NO_RECYCLE, writeApp } from "../apps.ts";
import type { LoadResult } from "../load/load.ts";
import { errorNotes, interleave, warmAndLoad, withServer } from "../measure.ts";
import type { Row, Scenario } from "../scenario.ts";
import { startNaive } from "../servers/naive.ts";
import { startPlain } from "../servers/plain.ts";
import { startRuntime } from "../servers/runtime.ts";
import { summarise } from "../stats.ts";

const VARIANTS = ["runtime", "recycling", "plain", "naive"] as const;
type Variant = (typeof VARIANTS)[number];
const LABELS: Record<Variant, string> = {
  runtime: "runtime",
  recycling: "runtime, default maxRequests",
  plain: "Bun.serve",
  naive: "naive proxy",
};

export const hello: Scenario = {
  name: "hello",
  title: "warm req/s and p50/p99 of a hello: runtime, runtime recycling by default, Bun.serve, naive proxy",
  async run(ctx) {
    const dir = ctx.workspace.appsDir("throughput-hello");
    const module = writeApp(dir, "hello", "1.0.0", HELLO, NO_RECYCLE);
    writeApp(dir, "recycling", "1.0.0", HELLO);
    const starts: Record<Variant, () => ReturnType<typeof startPlain>> = {
      runtime: () => startRuntime({ appsDir: dir, config: ctx.workspace.config }),
      recycling: () => startRuntime({ appsDir: dir, config: ctx.workspace.config }),
      plain: () => startPlain(module),
      naive: () => startNaive(module),
    };
    const results = await interleave(ctx, VARIANTS, async (variant, round) => {
      const app = variant === "recycling" ? "recycling" : "hello";
      const result = await withServer(ctx, starts[variant], (server) => warmAndLoad(ctx, server.appUrl(app, "/")));
      ctx.log(
        `  round ${round + 1} hello ${variant}: ${result.requestsPerSecond.toFixed(0)} req/s, p50 ${result.latencyMs.p50.toFixed(2)} ms, p99 ${result.latencyMs.p99.toFixed(2)} ms`,
      );
      return result;
    });
    const side = (variant: Variant, pick: (r: LoadResult) => number) => ({
      label: LABELS[variant],
      summary: summarise(results[variant].map(pick)),
    });
    const rps = (r: LoadResult) => r.requestsPerSecond;
    const row = (measure: string, unit: string, better: Row["better"], a: Variant, b: Variant, pick = rps): Row => ({
      measure,
      unit,
      better,
      a: side(a, pick),
      b: side(b, pick),
    });
    const notes = VARIANTS.flatMap((variant) => errorNotes(LABELS[variant], results[variant]));
    return [
      { ...row("hello (plain text)", "req/s", "higher", "runtime", "plain"), notes },
      row("hello vs the naive proxy", "req/s", "higher", "runtime", "naive"),
      row("hello latency p50 (median of rounds)", "ms", "lower", "runtime", "naive", (r) => r.latencyMs.p50),
      row("hello latency p99 (median of rounds)", "ms", "lower", "runtime", "naive", (r) => r.latencyMs.p99),
      row("hello, default maxRequests", "req/s", "higher", "recycling", "runtime"),
      row("hello p99, default maxRequests", "ms", "lower", "recycling", "runtime", (r) => r.latencyMs.p99),
      row("naive proxy vs Bun.serve", "req/s", "higher", "naive", "plain"),
    ];
  },
};
