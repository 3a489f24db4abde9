/** Load from `wrk`, in its own process; the numbers come from wrk-report.lua's JSON line. */
import { join } from "node:path";
import { runTracked } from "../children.ts";
import { pinned } from "../pinning.ts";
import type { LoadGenerator, LoadOptions, LoadResult } from "./load.ts";

const REPORT_SCRIPT = join(import.meta.dir, "wrk-report.lua");
const MARKER = "BENCH_WRK_JSON ";

interface WrkReport {
  requests: number;
  duration_us: number;
  bytes: number;
  errors: { connect: number; read: number; write: number; status: number; timeout: number };
  latency_us: { p50: number; p90: number; p99: number; max: number; mean: number };
}

/** A load generator running the `wrk` found at `binary`. */
export function wrkGenerator(binary: string, version: string): LoadGenerator {
  return { name: version, run: (options) => runWrk(binary, options) };
}

async function runWrk(binary: string, options: LoadOptions): Promise<LoadResult> {
  const args = [
    binary,
    `-t${options.threads}`,
    `-c${Math.max(options.connections, options.threads)}`,
    `-d${Math.max(1, Math.round(options.seconds))}s`,
    `--timeout`,
    `${options.timeoutSeconds ?? 10}s`,
    "-s",
    REPORT_SCRIPT,
    options.url,
  ];
  const { stdout, stderr, code } = await runTracked(pinned(args, "load"));
  const line = stdout.split("\n").find((l) => l.startsWith(MARKER));
  if (code !== 0 || !line) throw new Error(`wrk failed (exit ${code}): ${stderr.trim() || stdout.trim()}`);
  const report = JSON.parse(line.slice(MARKER.length)) as WrkReport;
  const seconds = report.duration_us / 1e6;
  const ms = (us: number) => us / 1000;
  return {
    requests: report.requests,
    seconds,
    requestsPerSecond: report.requests / seconds,
    bytes: report.bytes,
    latencyMs: {
      p50: ms(report.latency_us.p50),
      p90: ms(report.latency_us.p90),
      p99: ms(report.latency_us.p99),
      max: ms(report.latency_us.max),
      mean: ms(report.latency_us.mean),
    },
    errors: {
      socket: report.errors.connect + report.errors.read + report.errors.write,
      timeout: report.errors.timeout,
      non2xx: report.errors.status,
    },
  };
}
