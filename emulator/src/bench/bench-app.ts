import { resolve } from "node:path";
import { Bench } from "tinybench";
import { createEmulator } from "../emulator.ts";

/** `benchApp` options. */
export interface BenchAppOptions {
  /** Path requested (default `/`). */
  path?: string;
  /** Milliseconds per task (default 1000). */
  time?: number;
  /** Print the table (default true). */
  print?: boolean;
}

/** Both measurements, throughput in requests per second and the median latency in µs. */
export interface BenchAppResult {
  direct: { opsPerSec: number; medianUs: number };
  pool: { opsPerSec: number; medianUs: number };
  /** pool ops/s ÷ direct ops/s */
  ratio: number;
}

const ENTRYPOINTS = ["index.ts", "index.js", "index.mjs"];

/**
 * How much the pool costs an app: measures the app's `fetch` called directly in this process,
 * and the same request through the Buntime pool (a real worker), with tinybench, and prints
 * both with their ratio.
 *
 * @example
 * const { ratio } = await benchApp("./apps/hello/1.0.0", { path: "/users", time: 500 });
 */
export async function benchApp(appDir: string, options: BenchAppOptions = {}): Promise<BenchAppResult> {
  const dir = resolve(appDir);
  const path = options.path ?? "/";
  const entry = ENTRYPOINTS.map((file) => resolve(dir, file)).find((file) => Bun.file(file).size > 0);
  if (!entry) throw new Error(`benchApp: no index.ts/js/mjs in ${dir}`);
  const app = ((await import(entry)) as { default: { fetch(request: Request): Response | Promise<Response> } }).default;
  const emu = await createEmulator({ apps: { "bench@1.0.0": dir } });
  try {
    const url = new URL(path, "http://127.0.0.1/").href;
    await (await emu.fetch(`/bench@1.0.0${path}`)).arrayBuffer(); // warm the worker
    const bench = new Bench({ time: options.time ?? 1000, warmup: true });
    bench
      .add("direct: app.fetch in process", async () => {
        await (await app.fetch(new Request(url))).arrayBuffer();
      })
      .add("through the Buntime pool", async () => {
        await (await emu.fetch(`/bench@1.0.0${path}`)).arrayBuffer();
      });
    await bench.run();
    const [direct, pool] = bench.tasks.map((task) => {
      const result = task.result as { throughput?: { mean: number }; latency?: { p50?: number } } | undefined;
      return { opsPerSec: result?.throughput?.mean ?? 0, medianUs: (result?.latency?.p50 ?? 0) * 1000 };
    }) as [BenchAppResult["direct"], BenchAppResult["pool"]];
    const result = { direct, pool, ratio: direct.opsPerSec > 0 ? pool.opsPerSec / direct.opsPerSec : 0 };
    if (options.print ?? true) {
      console.table(bench.table());
      console.log(`pool / direct throughput: ${result.ratio.toFixed(2)}×`);
    }
    return result;
  } finally {
    await emu.dispose();
  }
}
