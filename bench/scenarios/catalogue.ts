/**
 * Scenario `catalogue`: does a large catalogue slow routing? The runtime serves one warm app
 * from an APPS_DIR of 1,000 versions (100 apps × 10 versions, the target among them, so
 * `/hello/` resolves the highest of its 10) and from one holding that single version. wrk with
 * one connection gives the latency of a request with no queueing in front of it. Start-up time
 * (spawn to listening, which includes the first scan of APPS_DIR) is reported too.
 */
import { HELLO, NO_RECYCLE, writeApp } from "../apps.ts";
import { errorNotes, interleave, warmAndLoad, withServer } from "../measure.ts";
import type { Scenario } from "../scenario.ts";
import { startRuntime } from "../servers/runtime.ts";
import { summarise } from "../stats.ts";

const VERSIONS_PER_APP = 10;

export const catalogue: Scenario = {
  name: "catalogue",
  title: "routing latency (wrk p50, 1 connection) with 1,000 app versions on disk vs 1",
  async run(ctx) {
    const total = ctx.options.catalogueVersions;
    const large = ctx.workspace.appsDir("catalogue-large");
    const small = ctx.workspace.appsDir("catalogue-small");
    const apps = Math.ceil(total / VERSIONS_PER_APP);
    for (let a = 0; a < apps; a++) {
      const name = a === 0 ? "hello" : `app-${String(a).padStart(3, "0")}`;
      for (let v = 0; v < VERSIONS_PER_APP && a * VERSIONS_PER_APP + v < total; v++) {
        writeApp(large, name, `1.0.${v}`, HELLO, NO_RECYCLE);
      }
    }
    writeApp(small, "hello", `1.0.${VERSIONS_PER_APP - 1}`, HELLO, NO_RECYCLE);
    const dirs = { large, small } as const;
    const results = await interleave(ctx, ["large", "small"] as const, async (variant, round) => {
      const start = () => startRuntime({ appsDir: dirs[variant], config: ctx.workspace.config });
      const measured = await withServer(ctx, start, async (server) => ({
        startMs: server.startMs,
        result: await warmAndLoad(ctx, server.appUrl("hello", "/"), { connections: 1, threads: 1 }),
      }));
      ctx.log(`  round ${round + 1} catalogue ${variant}: p50 ${measured.result.latencyMs.p50.toFixed(3)} ms`);
      return measured;
    });
    const labels = { a: `${total} versions`, b: "1 version" };
    return [
      {
        measure: "routing latency p50, 1 connection",
        unit: "ms",
        better: "lower",
        a: { label: labels.a, summary: summarise(results.large.map((r) => r.result.latencyMs.p50)) },
        b: { label: labels.b, summary: summarise(results.small.map((r) => r.result.latencyMs.p50)) },
        notes: [
          ...errorNotes(
            labels.a,
            results.large.map((r) => r.result),
          ),
          ...errorNotes(
            labels.b,
            results.small.map((r) => r.result),
          ),
        ],
      },
      {
        measure: "runtime start (spawn to listening)",
        unit: "ms",
        better: "lower",
        a: { label: labels.a, summary: summarise(results.large.map((r) => r.startMs)) },
        b: { label: labels.b, summary: summarise(results.small.map((r) => r.startMs)) },
      },
    ];
  },
};
