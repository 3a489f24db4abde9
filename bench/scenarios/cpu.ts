/**
 * Scenario `cpu`: server CPU time per request. /proc/<pid>/stat's utime + stime of the server
 * process (all its threads) is read before and after a fixed-duration wrk run of the hello app,
 * and the difference is divided by the requests served. Unlike req/s, this does not depend on
 * how the two cores are shared with wrk: it is what each request costs the server.
 */
import { HELLO, NO_RECYCLE, writeApp } from "../apps.ts";
import { cpuPerRequest, errorNotes, interleave, startSide, withServer } from "../measure.ts";
import { clockTicksPerSecond } from "../proc.ts";
import type { Scenario } from "../scenario.ts";
import { summarise } from "../stats.ts";

export const cpu: Scenario = {
  name: "cpu",
  title: "server CPU µs per request (utime+stime from /proc/<pid>/stat around a wrk run)",
  async run(ctx) {
    const dir = ctx.workspace.appsDir("cpu");
    const module = writeApp(dir, "hello", "1.0.0", HELLO, NO_RECYCLE);
    const tick = clockTicksPerSecond();
    const results = await interleave(ctx, ["runtime", "plain"] as const, async (side, round) => {
      const start = startSide(ctx, side, dir, module);
      const measured = await withServer(ctx, start, (server) =>
        cpuPerRequest(ctx, server, server.appUrl("hello", "/")),
      );
      ctx.log(`  round ${round + 1} cpu ${side}: ${measured.usPerRequest.toFixed(1)} µs/request`);
      return measured;
    });
    return [
      {
        measure: "server CPU per request (hello)",
        unit: "µs/req",
        better: "lower",
        a: { label: "runtime", summary: summarise(results.runtime.map((r) => r.usPerRequest)) },
        b: { label: "Bun.serve", summary: summarise(results.plain.map((r) => r.usPerRequest)) },
        notes: [
          ...errorNotes(
            "runtime",
            results.runtime.map((r) => r.result),
          ),
          ...errorNotes(
            "Bun.serve",
            results.plain.map((r) => r.result),
          ),
          `CPU read in clock ticks of 1/${tick} s`,
        ],
      },
    ];
  },
};
