/**
 * Scenario `isolation`: what `isolation: "process"` costs beside `"thread"` (docs/isolation.md).
 * One runtime per side and round (BUNTIME_ISOLATION sets every app's mode), interleaved
 * process, thread, process, thread…, measuring in each:
 *
 * - hello req/s, and CPU per request of the server *and its worker processes* (utime+stime of
 *   the server and of its children, read around the same measured load);
 * - cold start: the first request to never-started versions, sequentially, to the full response;
 * - RSS per idle worker: versions requested once and left idle, (server's growth + its
 *   children's RSS) ÷ versions.
 */
import { readdirSync, readFileSync } from "node:fs";
import { HELLO, NO_RECYCLE, writeApp } from "../apps.ts";
import type { LoadResult } from "../load/load.ts";
import { errorNotes, expectOk, interleave, loadOptions, warmUp, withServer } from "../measure.ts";
import { clockTicksPerSecond, cpuTicks, rssBytes } from "../proc.ts";
import type { Row, Scenario } from "../scenario.ts";
import { startRuntime } from "../servers/runtime.ts";
import { summarise } from "../stats.ts";

const MB = 1024 * 1024;
/** Time for the allocations of the last start to show in RSS before it is read. */
const SETTLE_MS = 1000;
/** Idle versions per round for the RSS measure: enough that a thread's ~1 MB is not lost in the noise. */
const IDLE_VERSIONS = 30;

type Mode = "process" | "thread";

interface Sample {
  result: LoadResult;
  usPerRequest: number;
  coldMs: number[];
  rssPerWorkerMb: number;
}

/** Pids of `pid`'s children (the runtime's worker processes), from /proc. */
function children(pid: number): number[] {
  const found: number[] = [];
  for (const entry of readdirSync("/proc")) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, "utf8");
      if (Number(stat.slice(stat.lastIndexOf(")") + 2).split(" ")[1]) === pid) found.push(Number(entry));
    } catch {
      // gone meanwhile
    }
  }
  return found;
}

const sumOver = (pids: number[], read: (pid: number) => number) =>
  pids.reduce((total, pid) => {
    try {
      return total + read(pid);
    } catch {
      return total; // ended meanwhile
    }
  }, 0);

export const isolation: Scenario = {
  name: "isolation",
  title: "isolation process vs thread: hello req/s and CPU per request, cold start, RSS per idle worker",
  async run(ctx) {
    const dir = ctx.workspace.appsDir("isolation");
    writeApp(dir, "hello", "1.0.0", HELLO, NO_RECYCLE);
    const cold = Math.max(2, Math.floor(ctx.options.coldVersions / ctx.options.rounds));
    const rounds = ctx.options.rounds;
    for (let i = 0; i < cold * rounds * 2; i++) writeApp(dir, "cold", `1.0.${i}`, HELLO);
    for (let i = 0; i < IDLE_VERSIONS * rounds * 2; i++) writeApp(dir, "idle", `1.0.${i}`, HELLO);
    let nextCold = 0;
    let nextIdle = 0;
    const tick = clockTicksPerSecond();
    const results = await interleave(ctx, ["process", "thread"] as const, async (mode: Mode, round) => {
      const start = () =>
        startRuntime({ appsDir: dir, config: ctx.workspace.config, env: { BUNTIME_ISOLATION: mode } });
      const sample = await withServer(ctx, start, async (server): Promise<Sample> => {
        const tree = () => [server.pid, ...children(server.pid)];
        const load = loadOptions(ctx, server.appUrl("hello", "/"));
        await warmUp(ctx, load);
        const before = sumOver(tree(), cpuTicks);
        const result = await ctx.load.run(load);
        const seconds = (sumOver(tree(), cpuTicks) - before) / tick;
        const usPerRequest = (seconds * 1e6) / Math.max(1, result.requests);
        const coldMs: number[] = [];
        for (let i = 0; i < cold; i++) {
          const started = performance.now();
          await expectOk(server.appUrl(`cold@1.0.${nextCold++}`, "/"));
          coldMs.push(performance.now() - started);
        }
        await Bun.sleep(SETTLE_MS);
        const rssBefore = sumOver(tree(), rssBytes);
        for (let i = 0; i < IDLE_VERSIONS; i++) await expectOk(server.appUrl(`idle@1.0.${nextIdle++}`, "/"));
        await Bun.sleep(SETTLE_MS);
        const rssPerWorkerMb = (sumOver(tree(), rssBytes) - rssBefore) / IDLE_VERSIONS / MB;
        return { result, usPerRequest, coldMs, rssPerWorkerMb };
      });
      ctx.log(
        `  round ${round + 1} isolation ${mode}: ${sample.result.requestsPerSecond.toFixed(0)} req/s, ${sample.usPerRequest.toFixed(1)} µs/req, cold ${sample.coldMs.map((ms) => ms.toFixed(0)).join("/")} ms, ${sample.rssPerWorkerMb.toFixed(1)} MB/worker`,
      );
      return sample;
    });
    const pair = (
      measure: string,
      unit: string,
      better: Row["better"],
      pick: (s: Sample) => number[],
      statistic: "p50" | "median" = "median",
    ): Row => ({
      measure,
      unit,
      better,
      a: { label: "process", summary: summarise(results.process.flatMap(pick), statistic) },
      b: { label: "thread", summary: summarise(results.thread.flatMap(pick), statistic) },
    });
    return [
      {
        ...pair("hello req/s", "req/s", "higher", (s) => [s.result.requestsPerSecond]),
        notes: [
          ...errorNotes(
            "process",
            results.process.map((s) => s.result),
          ),
          ...errorNotes(
            "thread",
            results.thread.map((s) => s.result),
          ),
        ],
      },
      {
        ...pair("CPU per request, server + worker processes (hello)", "µs/req", "lower", (s) => [s.usPerRequest]),
        notes: [`CPU read in clock ticks of 1/${tick} s`],
      },
      pair(`cold start p50 (${cold} versions per round)`, "ms", "lower", (s) => s.coldMs, "p50"),
      pair(`RSS per idle worker (${IDLE_VERSIONS} per round)`, "MB", "lower", (s) => [s.rssPerWorkerMb]),
    ];
  },
};
