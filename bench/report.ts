/**
 * The results: a table on stdout and a JSON file `bench/results/<YYYY-MM-DD>.json` (a `--quick`
 * run writes `<date>.quick.json`, so a smoke run never replaces the day's real numbers; a pinned
 * run `<date>.cpus<N>.json`). A run
 * of some scenarios (`--only`) replaces theirs in the day's file and keeps the others.
 */
import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import type { MachineFacts } from "./machine.ts";
import type { BenchOptions } from "./options.ts";
import type { Row } from "./scenario.ts";

const RESULTS_DIR = join(import.meta.dir, "results");

/** What one scenario produced: its rows, or why it failed. */
export interface ScenarioOutcome {
  name: string;
  title: string;
  seconds: number;
  rows: Row[];
  error?: string;
}

/** A's value ÷ B's value, when there is a B. */
export function ratio(row: Row): number | undefined {
  return row.b ? row.a.summary.value / row.b.summary.value : undefined;
}

/** 12,345 · 123 · 12.3 · 1.23 · 0.123: three significant figures or whole numbers. */
export function formatNumber(value: number): string {
  if (!Number.isFinite(value)) return "—";
  const abs = Math.abs(value);
  if (abs >= 1000) return Math.round(value).toLocaleString("en-US");
  if (abs >= 100) return value.toFixed(0);
  if (abs >= 10) return value.toFixed(1);
  if (abs >= 1) return value.toFixed(2);
  return value.toFixed(3);
}

function cell(side: Row["a"] | undefined): [string, string] {
  if (!side) return ["", ""];
  const { value, min, max } = side.summary;
  return [side.label, `${formatNumber(value)} (${formatNumber(min)}–${formatNumber(max)})`];
}

/** The results table, with a header naming the machine and the load, and notes under it. */
export function formatTable(outcomes: ScenarioOutcome[], machine: MachineFacts, options: BenchOptions): string {
  const header = ["scenario", "measure", "unit", "A", "value (min–max)", "B", "value (min–max)", "A/B"];
  const lines: string[][] = [header];
  const notes: string[] = [];
  for (const outcome of outcomes) {
    if (outcome.error) {
      lines.push([outcome.name, "FAILED (see below)", "", "", "", "", "", ""]);
      notes.push(`[${outcome.name}] FAILED: ${outcome.error.split("\n")[0]?.slice(0, 400)}`);
      continue;
    }
    for (const row of outcome.rows) {
      const r = ratio(row);
      const arrow = row.better === "higher" ? "↑" : "↓";
      lines.push([
        outcome.name,
        row.measure,
        `${row.unit} ${arrow}`,
        ...cell(row.a),
        ...cell(row.b),
        r === undefined ? "" : `${r.toFixed(2)}×`,
      ]);
      for (const note of row.notes ?? []) notes.push(`[${outcome.name}] ${note}`);
    }
  }
  const widths = header.map((_, i) => Math.max(...lines.map((line) => (line[i] ?? "").length)));
  const render = (line: string[]) =>
    line
      .map((text, i) => (i === 4 || i === 6 || i === 7 ? text.padStart(widths[i] ?? 0) : text.padEnd(widths[i] ?? 0)))
      .join("  ")
      .trimEnd();
  const rule = widths.map((w) => "-".repeat(w)).join("  ");
  const intro = [
    `Buntime bench ${machine.date.slice(0, 10)} · ${machine.cpuModel} × ${machine.cores} · ${machine.memoryGiB} GiB · Linux ${machine.kernel}`,
    `Bun ${machine.bun} · ${machine.loadGenerator} · commit ${machine.commit} · load average ${machine.loadAverage.toFixed(2)} at start`,
    `${options.rounds} interleaved rounds (A B A B…), fresh servers each; load ${options.seconds} s after ${options.warmupSeconds} s warm-up, ` +
      `${options.threads} wrk thread × ${options.connections} connections unless the measure says otherwise${options.quick ? " · QUICK (smoke run)" : ""}`,
    ...(options.cpus
      ? [`PINNED: each server on ${options.cpus} core(s) (taskset), the load generator on another`]
      : []),
    "value = median over rounds unless the measure names a percentile; ↑ higher is better, ↓ lower is better; A/B = A's value ÷ B's",
  ];
  const table = [render(lines[0] as string[]), rule, ...lines.slice(1).map(render)];
  return [...intro, "", ...table, ...(notes.length ? ["", ...notes] : [])].join("\n");
}

/** Writes (merging with the day's file) and returns the path written. */
export function writeResults(outcomes: ScenarioOutcome[], machine: MachineFacts, options: BenchOptions): string {
  mkdirSync(RESULTS_DIR, { recursive: true });
  const kind = `${options.cpus ? `.cpus${options.cpus}` : ""}${options.quick ? ".quick" : ""}${options.against ? ".compare" : ""}`;
  const file = join(RESULTS_DIR, `${machine.date.slice(0, 10)}${kind}.json`);
  let scenarios: Record<string, unknown> = {};
  if (existsSync(file)) {
    try {
      scenarios = (JSON.parse(readFileSync(file, "utf8")) as { scenarios?: Record<string, unknown> }).scenarios ?? {};
    } catch {
      // An unreadable file is replaced whole.
    }
  }
  for (const outcome of outcomes) {
    scenarios[outcome.name] = {
      title: outcome.title,
      ranAt: machine.date,
      commit: machine.commit,
      seconds: Math.round(outcome.seconds),
      ...(outcome.error
        ? { error: outcome.error }
        : { rows: outcome.rows.map((row) => ({ ...row, ratio: ratio(row) ?? null })) }),
    };
  }
  writeFileSync(file, `${JSON.stringify({ machine, options, scenarios }, null, 2)}\n`);
  return file;
}
