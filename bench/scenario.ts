/** What a scenario is given, and what it gives back: rows of the results table. */
import type { Workspace } from "./apps.ts";
import type { LoadGenerator } from "./load/load.ts";
import type { BenchOptions } from "./options.ts";
import type { Summary } from "./stats.ts";

export interface BenchContext {
  options: BenchOptions;
  load: LoadGenerator;
  workspace: Workspace;
  /** Progress, to stderr (stdout is kept for the table). */
  log(line: string): void;
}

/** One side of a comparison: what was measured, and its summary over all rounds. */
export interface Side {
  label: string;
  summary: Summary;
}

/** One line of the table: A, optionally against a baseline B, with A's median ÷ B's. */
export interface Row {
  measure: string;
  unit: string;
  /** Which direction is good, so a reader knows whether a ratio above 1 is a gain or a cost. */
  better: "higher" | "lower";
  a: Side;
  b?: Side;
  /** Anything a reader should know: errors seen, how a value was derived. */
  notes?: string[];
}

export interface Scenario {
  name: string;
  /** One line: what it measures. */
  title: string;
  run(ctx: BenchContext): Promise<Row[]>;
}
