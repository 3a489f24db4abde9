/**
 * The steps every load scenario shares: a server's lifetime around a measurement, the first
 * request checked, warm-up before load, and the A B A B order of rounds.
 */
import type { LoadOptions, LoadResult } from "./load/load.ts";
import { clockTicksPerSecond, cpuTicks } from "./proc.ts";
import type { BenchContext } from "./scenario.ts";
import { startPlain } from "./servers/plain.ts";
import { startRuntime } from "./servers/runtime.ts";
import type { ServerHandle } from "./servers/server.ts";

/** Starts a server, runs `fn` against it, and always stops it (reporting runtime error logs). */
export async function withServer<T>(
  ctx: BenchContext,
  start: () => Promise<ServerHandle>,
  fn: (server: ServerHandle) => Promise<T>,
): Promise<T> {
  const server = await start();
  try {
    const result = await fn(server);
    assertAlive(server);
    return result;
  } catch (error) {
    assertAlive(server);
    throw error;
  } finally {
    await server.stop();
    const problems = server.problemLines();
    if (problems.length > 0) {
      ctx.log(
        `  ${server.label} logged ${problems.length} warning/error line(s), first: ${problems[0]?.slice(0, 300)}`,
      );
    }
  }
}

/** Throws if the server died during the measurement (a crash must not pass as a slow run). */
function assertAlive(server: ServerHandle): void {
  const status = server.exitStatus();
  if (status) throw new Error(`${server.label} died during the measurement (${status}):\n${server.outputTail()}`);
}

/**
 * Runs `measure(variant, round)` for `rounds` rounds, the variants in turn within each
 * (A B A B …), so slow drift of a noisy machine spreads over both sides. Returns the results
 * per variant, in round order.
 */
export async function interleave<V extends string, T>(
  ctx: BenchContext,
  variants: readonly V[],
  measure: (variant: V, round: number) => Promise<T>,
  rounds = ctx.options.rounds,
): Promise<Record<V, T[]>> {
  const results = Object.fromEntries(variants.map((v) => [v, [] as T[]])) as Record<V, T[]>;
  for (let round = 0; round < rounds; round++) {
    for (const variant of variants) results[variant].push(await measure(variant, round));
  }
  return results;
}

/** Starts one side of a runtime-vs-plain pair: the runtime on `appsDir` (metrics on), or plain Bun.serve of `module`. */
export function startSide(ctx: BenchContext, side: "runtime" | "plain", appsDir: string, module: string) {
  return side === "runtime" ? () => startRuntime({ appsDir, config: ctx.workspace.config }) : () => startPlain(module);
}

/** Fetches `url` once and throws unless the answer is 200: a wrong path must not be benchmarked as a fast 404. */
export async function expectOk(url: string): Promise<void> {
  const response = await fetch(url);
  const body = await response.arrayBuffer();
  if (response.status !== 200) {
    throw new Error(`GET ${url} answered ${response.status}: ${new TextDecoder().decode(body).slice(0, 300)}`);
  }
}

/** The load settings of a measurement: the run's defaults, overridden by `settings`. */
export function loadOptions(
  ctx: BenchContext,
  url: string,
  settings: Partial<Omit<LoadOptions, "url">> = {},
): LoadOptions {
  return {
    url,
    seconds: ctx.options.seconds,
    connections: ctx.options.connections,
    threads: ctx.options.threads,
    ...settings,
  };
}

/** Checks that `load.url` answers 200, then runs `warmupSeconds` of the same load, unmeasured. */
export async function warmUp(ctx: BenchContext, load: LoadOptions): Promise<void> {
  await expectOk(load.url);
  await ctx.load.run({ ...load, seconds: ctx.options.warmupSeconds });
}

/** Checks `url`, warms the server with the same load, then measures. */
export async function warmAndLoad(
  ctx: BenchContext,
  url: string,
  settings: Partial<Omit<LoadOptions, "url">> = {},
): Promise<LoadResult> {
  const load = loadOptions(ctx, url, settings);
  await warmUp(ctx, load);
  return ctx.load.run(load);
}

/**
 * Checks `url`, warms the server, then measures, reading the server's CPU time around the
 * measured load: microseconds of CPU per request served, all threads (`usPerRequest`) and the
 * main thread alone (`mainUsPerRequest`: the HTTP side; the rest is worker threads, the JIT
 * and the collector's helpers).
 */
export async function cpuPerRequest(
  ctx: BenchContext,
  server: ServerHandle,
  url: string,
): Promise<{ result: LoadResult; usPerRequest: number; mainUsPerRequest: number }> {
  const load = loadOptions(ctx, url);
  await warmUp(ctx, load);
  const before = cpuTicks(server.pid);
  const mainBefore = cpuTicks(server.pid, server.pid);
  const result = await ctx.load.run(load);
  const perRequest = (ticks: number) => (ticks * 1e6) / clockTicksPerSecond() / Math.max(1, result.requests);
  return {
    result,
    usPerRequest: perRequest(cpuTicks(server.pid) - before),
    mainUsPerRequest: perRequest(cpuTicks(server.pid, server.pid) - mainBefore),
  };
}

/** A note for the table when any measured request failed (none should). */
export function errorNotes(label: string, results: readonly LoadResult[]): string[] {
  const sum = (pick: (r: LoadResult) => number) => results.reduce((total, r) => total + pick(r), 0);
  const non2xx = sum((r) => r.errors.non2xx);
  const socket = sum((r) => r.errors.socket);
  const timeout = sum((r) => r.errors.timeout);
  if (non2xx + socket + timeout === 0) return [];
  return [`${label}: ${non2xx} non-2xx, ${socket} socket errors, ${timeout} timeouts over all rounds`];
}
