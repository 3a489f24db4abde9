/**
 * The fallback load generator, for machines where wrk cannot be installed: `autocannon` from
 * npm, run by `bun x` in its own process. It is slower than wrk (it runs on one JS thread), so
 * absolute numbers from the two are not comparable; the ratios are still meaningful.
 */
import { runTracked } from "../children.ts";
import { pinned } from "../pinning.ts";
import type { LoadGenerator, LoadOptions, LoadResult } from "./load.ts";

const PACKAGE = "autocannon@8";

interface AutocannonReport {
  duration: number;
  requests: { total: number };
  throughput: { total: number };
  latency: { p50: number; p90: number; p99: number; max: number; mean: number };
  errors: number;
  timeouts: number;
  non2xx: number;
}

/** A load generator running autocannon with `bun x` (downloaded once into bun's cache). */
export function autocannonGenerator(): LoadGenerator {
  return { name: PACKAGE, run: runAutocannon };
}

async function runAutocannon(options: LoadOptions): Promise<LoadResult> {
  const args = [
    process.execPath,
    "x",
    PACKAGE,
    "--json",
    "-c",
    String(options.connections),
    "-d",
    String(Math.max(1, Math.round(options.seconds))),
    "-t",
    String(options.timeoutSeconds ?? 10),
    options.url,
  ];
  const { stdout, stderr, code } = await runTracked(pinned(args, "load"));
  const json = stdout.slice(stdout.indexOf("{"));
  if (code !== 0 || !json) throw new Error(`autocannon failed (exit ${code}): ${stderr.trim()}`);
  const report = JSON.parse(json) as AutocannonReport;
  return {
    requests: report.requests.total,
    seconds: report.duration,
    requestsPerSecond: report.requests.total / report.duration,
    bytes: report.throughput.total,
    latencyMs: {
      p50: report.latency.p50,
      p90: report.latency.p90,
      p99: report.latency.p99,
      max: report.latency.max,
      mean: report.latency.mean,
    },
    errors: { socket: Math.max(0, report.errors - report.timeouts), timeout: report.timeouts, non2xx: report.non2xx },
  };
}
