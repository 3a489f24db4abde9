/**
 * Scenario `hello`: warm req/s and latency of a plain-text hello, five servers side by side in
 * one interleaved run: the runtime (`maxRequests` 10⁹, so no recycle), the runtime with the
 * default `maxRequests`, plain Bun.serve of the same module, the naive proxy
 * (servers/naive-host.ts: one worker, one JSON-string postMessage each way, nothing else: the
 * floor of the design), and the runtime's pool alone (servers/pool-host.ts: its workers, protocol
 * and guest without the request pipeline), which tells apart what the pool costs over the floor
 * and what the pipeline's features cost over the pool. Latency is wrk's p50 and p99 of each
 * round; the rows give their median over rounds. Run pinned (`--cpus 1`) for the one-core figures. Server CPU per request (all
 * threads, as scenario cpu) is there too: on a machine shared with other work, a pinned core's
 * req/s and tail follow how much of it the neighbours leave, while CPU per request does not,
 * and on one saturated core req/s is its inverse. The main thread's share is a row of its own:
 * the runtime's HTTP side against the naive proxy's, the rest being the worker's.
 */
import { HELLO, NO_RECYCLE, writeApp } from "../apps.ts";
import { cpuPerRequest, errorNotes, interleave, withServer } from "../measure.ts";
import type { Row, Scenario } from "../scenario.ts";
import { startNaive } from "../servers/naive.ts";
import { startPlain } from "../servers/plain.ts";
import { startPoolAlone } from "../servers/pool.ts";
import { startRuntime } from "../servers/runtime.ts";
import { summarise } from "../stats.ts";

type Measured = Awaited<ReturnType<typeof cpuPerRequest>>;

const VARIANTS = ["runtime", "recycling", "plain", "naive", "pool"] as const;
type Variant = (typeof VARIANTS)[number];
const LABELS: Record<Variant, string> = {
  runtime: "runtime",
  recycling: "runtime, default maxRequests",
  plain: "Bun.serve",
  naive: "naive proxy",
  pool: "pool alone",
};

export const hello: Scenario = {
  name: "hello",
  title:
    "warm req/s and p50/p99 of a hello: runtime, runtime recycling by default, Bun.serve, naive proxy, the pool alone",
  async run(ctx) {
    const dir = ctx.workspace.appsDir("throughput-hello");
    const module = writeApp(dir, "hello", "1.0.0", HELLO, NO_RECYCLE);
    writeApp(dir, "recycling", "1.0.0", HELLO);
    const starts: Record<Variant, () => ReturnType<typeof startPlain>> = {
      runtime: () => startRuntime({ appsDir: dir, config: ctx.workspace.config }),
      recycling: () => startRuntime({ appsDir: dir, config: ctx.workspace.config }),
      plain: () => startPlain(module),
      naive: () => startNaive(module),
      pool: () => startPoolAlone(module),
    };
    const results = await interleave(ctx, VARIANTS, async (variant, round) => {
      const app = variant === "recycling" ? "recycling" : "hello";
      const measured = await withServer(ctx, starts[variant], (server) =>
        cpuPerRequest(ctx, server, server.appUrl(app, "/")),
      );
      const { result, usPerRequest } = measured;
      ctx.log(
        `  round ${round + 1} hello ${variant}: ${result.requestsPerSecond.toFixed(0)} req/s, p50 ${result.latencyMs.p50.toFixed(2)} ms, p99 ${result.latencyMs.p99.toFixed(2)} ms, ${usPerRequest.toFixed(1)} µs CPU/request`,
      );
      return measured;
    });
    const side = (variant: Variant, pick: (m: Measured) => number) => ({
      label: LABELS[variant],
      summary: summarise(results[variant].map(pick)),
    });
    const rps = (m: Measured) => m.result.requestsPerSecond;
    const cpu = (m: Measured) => m.usPerRequest;
    const mainCpu = (m: Measured) => m.mainUsPerRequest;
    const row = (measure: string, unit: string, better: Row["better"], a: Variant, b: Variant, pick = rps): Row => ({
      measure,
      unit,
      better,
      a: side(a, pick),
      b: side(b, pick),
    });
    const notes = VARIANTS.flatMap((variant) =>
      errorNotes(
        LABELS[variant],
        results[variant].map((m) => m.result),
      ),
    );
    return [
      { ...row("hello (plain text)", "req/s", "higher", "runtime", "plain"), notes },
      row("hello vs the naive proxy", "req/s", "higher", "runtime", "naive"),
      row("hello latency p50 (median of rounds)", "ms", "lower", "runtime", "naive", (m) => m.result.latencyMs.p50),
      row("hello latency p99 (median of rounds)", "ms", "lower", "runtime", "naive", (m) => m.result.latencyMs.p99),
      row("server CPU per request vs the naive proxy", "µs/req", "lower", "runtime", "naive", cpu),
      row("main-thread CPU per request vs the naive proxy", "µs/req", "lower", "runtime", "naive", mainCpu),
      row("hello, default maxRequests", "req/s", "higher", "recycling", "runtime"),
      row("hello p99, default maxRequests", "ms", "lower", "recycling", "runtime", (m) => m.result.latencyMs.p99),
      row("server CPU per request, default maxRequests", "µs/req", "lower", "recycling", "runtime", cpu),
      row("the runtime's pool alone vs the naive proxy", "req/s", "higher", "pool", "naive"),
      row("p99, pool alone vs the naive proxy", "ms", "lower", "pool", "naive", (m) => m.result.latencyMs.p99),
      row("server CPU per request, the runtime vs its pool alone", "µs/req", "lower", "runtime", "pool", cpu),
      row("naive proxy vs Bun.serve", "req/s", "higher", "naive", "plain"),
      row("server CPU per request, naive proxy vs Bun.serve", "µs/req", "lower", "naive", "plain", cpu),
    ];
  },
};
