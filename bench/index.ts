/**
 * `bun bench` (package.json: `bun bench/index.ts`): Buntime against plain Bun.serve, scenario by
 * scenario, with wrk in its own process. Progress goes to stderr; the table to stdout; the
 * numbers also to bench/results/<date>.json. See bench/README.md.
 *
 * @example
 * bun bench                       # everything, about 10 minutes on 2 cores
 * bun bench --quick --only hello  # a smoke run of one scenario
 */
import { Workspace } from "./apps.ts";
import { killAllChildren } from "./children.ts";
import { machineFacts } from "./machine.ts";
import { parseBenchArgs } from "./options.ts";
import { setPinning } from "./pinning.ts";
import { formatTable, type ScenarioOutcome, writeResults } from "./report.ts";
import type { BenchContext } from "./scenario.ts";
import { selectScenarios } from "./scenarios/index.ts";
import { ensureLoadGenerator } from "./setup.ts";

const log = (line: string) => console.error(line);

let options: ReturnType<typeof parseBenchArgs>;
let scenarios: ReturnType<typeof selectScenarios>;
try {
  options = parseBenchArgs(Bun.argv.slice(2));
  scenarios = selectScenarios(options.only, options.against);
  setPinning(options.cpus);
} catch (error) {
  console.error((error as Error).message);
  process.exit(2);
}

const load = await ensureLoadGenerator(log);
const machine = machineFacts(load.name);
const workspace = new Workspace();
const interrupt = () => {
  killAllChildren();
  workspace.remove();
  process.exit(130);
};
process.on("SIGINT", interrupt);
process.on("SIGTERM", interrupt);

const ctx: BenchContext = { options, load, workspace, log };
const outcomes: ScenarioOutcome[] = [];
const runStarted = performance.now();
try {
  for (const scenario of scenarios) {
    log(`▶ ${scenario.name}: ${scenario.title}`);
    const started = performance.now();
    try {
      const rows = await scenario.run(ctx);
      outcomes.push({
        name: scenario.name,
        title: scenario.title,
        seconds: (performance.now() - started) / 1000,
        rows,
      });
    } catch (error) {
      const message = error instanceof Error ? (error.stack ?? error.message) : String(error);
      log(`  ${scenario.name} FAILED: ${message}`);
      killAllChildren();
      outcomes.push({
        name: scenario.name,
        title: scenario.title,
        seconds: (performance.now() - started) / 1000,
        rows: [],
        error: error instanceof Error ? error.message : String(error),
      });
    }
  }
} finally {
  workspace.remove();
}

console.log(formatTable(outcomes, machine, options));
const file = writeResults(outcomes, machine, options);
console.log(
  `\n${scenarios.length} scenario(s) in ${((performance.now() - runStarted) / 1000).toFixed(0)} s · results: ${file}`,
);
process.exit(outcomes.some((o) => o.error) ? 1 : 0);
