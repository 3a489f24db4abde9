/**
 * Scenario `logs`: what an app flooding its log costs another app (docs/logs.md). The hello
 * app is loaded with wrk (1 connection: latency, not queueing) on a runtime where a second app
 * prints in a tight loop for the whole measurement ("flooding"), against the same loop without
 * printing ("spinning": the same core taken, so flooding ÷ spinning is the log path's own cost)
 * and against that app quiet. Also the server's RSS growth over the measurement (the flooding
 * worker's heap included: a worker thread is part of the process) and the lines it printed and
 * the runtime dropped.
 */
import { HELLO, NO_RECYCLE, writeApp } from "../apps.ts";
import { errorNotes, interleave, warmAndLoad, withServer } from "../measure.ts";
import { rssBytes } from "../proc.ts";
import type { Scenario } from "../scenario.ts";
import { startRuntime } from "../servers/runtime.ts";
import { median, summarise } from "../stats.ts";

const MB = 1024 * 1024;

/** Prints `console.log` lines in a tight loop, never yielding, for `?ms=` (`&print=0`: the loop alone). */
const FLOOD = `export default {
  fetch(request) {
    const url = new URL(request.url);
    const until = performance.now() + Number(url.searchParams.get("ms"));
    const print = url.searchParams.get("print") !== "0";
    let printed = 0;
    let spins = 0;
    while (performance.now() < until) {
      if (print) console.log("flood line", printed++);
      else spins++;
    }
    return Response.json({ printed, spins });
  },
};
`;

export const logs: Scenario = {
  name: "logs",
  title: "hello latency while another app prints in a tight loop (log capture, rate limit) vs that app quiet",
  async run(ctx) {
    const dir = ctx.workspace.appsDir("logs");
    writeApp(dir, "hello", "1.0.0", HELLO, NO_RECYCLE);
    writeApp(dir, "flood", "1.0.0", FLOOD, { ...NO_RECYCLE, timeout: 600 });
    const floodMs = (ctx.options.warmupSeconds + ctx.options.seconds + 1) * 1000;
    const results = await interleave(ctx, ["flood", "spin", "quiet"] as const, (side, round) =>
      withServer(
        ctx,
        () => startRuntime({ appsDir: dir, config: ctx.workspace.config }),
        async (server) => {
          const before = rssBytes(server.pid);
          let peak = before;
          const watch = setInterval(() => {
            peak = Math.max(peak, rssBytes(server.pid));
          }, 100);
          const flooding =
            side === "quiet"
              ? Promise.resolve({ printed: 0 })
              : fetch(server.appUrl("flood", `/?ms=${floodMs}&print=${side === "flood" ? 1 : 0}`)).then(
                  (r) => r.json() as Promise<{ printed: number }>,
                );
          const result = await warmAndLoad(ctx, server.appUrl("hello", "/"), { connections: 1 });
          const { printed } = await flooding;
          clearInterval(watch);
          const stats = (await (await fetch(new URL("/_/stats", server.url))).json()) as {
            logs?: { dropped?: Record<string, number> };
          };
          const dropped = stats.logs?.dropped?.flood ?? 0;
          const sample = { result, printed, dropped, rssMb: (peak - before) / MB };
          ctx.log(
            `  round ${round + 1} logs ${side}: hello p99 ${result.latencyMs.p99.toFixed(2)} ms, ${Math.round(result.requestsPerSecond)} req/s; printed ${printed}, dropped ${dropped}; RSS +${sample.rssMb.toFixed(1)} MB`,
          );
          return sample;
        },
      ),
    );
    const flood = results.flood;
    return [
      {
        measure: "hello p99 (1 connection) while another app floods its log",
        unit: "ms",
        better: "lower",
        a: { label: "flooding", summary: summarise(flood.map((s) => s.result.latencyMs.p99)) },
        b: { label: "same loop, no print", summary: summarise(results.spin.map((s) => s.result.latencyMs.p99)) },
        notes: [
          ...errorNotes(
            "flooding",
            flood.map((s) => s.result),
          ),
          `with that app quiet: p99 ${median(results.quiet.map((s) => s.result.latencyMs.p99)).toFixed(2)} ms`,
          `lines printed per flood (median): ${median(flood.map((s) => s.printed)).toFixed(0)}, dropped: ${median(flood.map((s) => s.dropped)).toFixed(0)}`,
        ],
      },
      {
        measure: "server RSS growth over the measurement",
        unit: "MB",
        better: "lower",
        a: { label: "flooding", summary: summarise(flood.map((s) => s.rssMb)) },
        b: { label: "same loop, no print", summary: summarise(results.spin.map((s) => s.rssMb)) },
      },
    ];
  },
};
