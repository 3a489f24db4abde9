/**
 * Scenario `processes`: BUNTIME_PROCESSES=2 against 1 (docs/cluster.md#processes), hello under
 * the same wrk load. The CPU counted is the whole group's, read from /proc around the measured
 * run: the supervisor and every server process it started (each with all its threads). Two
 * processes should cost the same CPU per request within noise (the kernel spreads connections
 * with SO_REUSEPORT; nothing is shared per request); req/s shows what a second main thread buys
 * on this machine, where wrk takes cores too.
 */
import { readdirSync, readFileSync } from "node:fs";
import { HELLO, NO_RECYCLE, writeApp } from "../apps.ts";
import { errorNotes, interleave, loadOptions, warmUp, withServer } from "../measure.ts";
import { clockTicksPerSecond, cpuTicks } from "../proc.ts";
import type { Scenario } from "../scenario.ts";
import { startRuntime } from "../servers/runtime.ts";
import { summarise } from "../stats.ts";

const COUNTS = ["2", "1"] as const;

/** The children of `pid`, from /proc/<pid>/task/<tid>/children (Linux 3.5+). */
function childrenOf(pid: number): number[] {
  try {
    return readdirSync(`/proc/${pid}/task`).flatMap((tid) =>
      readFileSync(`/proc/${pid}/task/${tid}/children`, "utf8").split(" ").filter(Boolean).map(Number),
    );
  } catch {
    return []; // gone meanwhile
  }
}

/** utime + stime of `pid` and its live children (the group's server processes), in clock ticks. */
function groupTicks(pid: number): number {
  return [pid, ...childrenOf(pid)].reduce((sum, one) => {
    try {
      return sum + cpuTicks(one);
    } catch {
      return sum;
    }
  }, 0);
}

export const processes: Scenario = {
  name: "processes",
  title: "BUNTIME_PROCESSES=2 vs 1: CPU µs per request of the whole group, and req/s (hello)",
  async run(ctx) {
    const dir = ctx.workspace.appsDir("processes");
    writeApp(dir, "hello", "1.0.0", HELLO, NO_RECYCLE);
    const tick = clockTicksPerSecond();
    const results = await interleave(ctx, COUNTS, async (count, round) => {
      // With the supervisor (the runtime's bench default runs without it): it starts the group.
      const start = () =>
        startRuntime({
          appsDir: dir,
          config: ctx.workspace.config,
          env: { BUNTIME_SUPERVISOR: "1", BUNTIME_PROCESSES: count },
        });
      const measured = await withServer(ctx, start, async (server) => {
        const load = loadOptions(ctx, server.appUrl("hello", "/"));
        await warmUp(ctx, load);
        const servers = childrenOf(server.pid).length;
        if (servers !== Number(count)) throw new Error(`expected ${count} server processes, found ${servers}`);
        const before = groupTicks(server.pid);
        const result = await ctx.load.run(load);
        const seconds = (groupTicks(server.pid) - before) / tick;
        return { result, usPerRequest: (seconds * 1e6) / Math.max(1, result.requests) };
      });
      ctx.log(
        `  round ${round + 1} processes=${count}: ${measured.usPerRequest.toFixed(1)} µs/request, ${measured.result.requestsPerSecond.toFixed(0)} req/s`,
      );
      return measured;
    });
    const notes = [
      ...errorNotes(
        "2 processes",
        results["2"].map((r) => r.result),
      ),
      ...errorNotes(
        "1 process",
        results["1"].map((r) => r.result),
      ),
    ];
    return [
      {
        measure: "group CPU per request (hello)",
        unit: "µs/req",
        better: "lower",
        a: { label: "2 processes", summary: summarise(results["2"].map((r) => r.usPerRequest)) },
        b: { label: "1 process", summary: summarise(results["1"].map((r) => r.usPerRequest)) },
        notes: [...notes, `CPU read in clock ticks of 1/${tick} s, supervisor and server processes together`],
      },
      {
        measure: "throughput (hello)",
        unit: "req/s",
        better: "higher",
        a: { label: "2 processes", summary: summarise(results["2"].map((r) => r.result.requestsPerSecond)) },
        b: { label: "1 process", summary: summarise(results["1"].map((r) => r.result.requestsPerSecond)) },
      },
    ];
  },
};
