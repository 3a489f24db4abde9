/**
 * Scenario `emulator`: how long a test waits for the emulator. Each sample is a fresh process
 * (bench/emulator-start.ts) timing createEmulator({ apps: fixtures/apps }) to ready, and to the
 * first full response of /hello/ (which starts a worker). No baseline: the numbers stand alone.
 */
import { join } from "node:path";
import { runTracked } from "../children.ts";
import type { Row, Scenario } from "../scenario.ts";
import { summarise } from "../stats.ts";

const CHILD = join(import.meta.dir, "../emulator-start.ts");

interface Sample {
  importMs: number;
  readyMs: number;
  firstFetchMs: number;
}

export const emulator: Scenario = {
  name: "emulator",
  title: "emulator start-up: createEmulator({ apps: fixtures/apps }) to ready and to the first /hello/",
  async run(ctx) {
    const samples: Sample[] = [];
    for (let i = 0; i < ctx.options.emulatorSamples; i++) {
      const { stdout, stderr, code } = await runTracked([process.execPath, CHILD]);
      if (code !== 0) throw new Error(`emulator-start.ts exited ${code}: ${stderr.trim()}`);
      samples.push(JSON.parse(stdout.trim().split("\n").at(-1) ?? "") as Sample);
    }
    ctx.log(`  emulator: ${samples.length} start-ups`);
    const row = (measure: string, pick: (s: Sample) => number): Row => ({
      measure,
      unit: "ms",
      better: "lower",
      a: { label: "emulator", summary: summarise(samples.map(pick)) },
    });
    return [
      row("import buntime-emulator", (s) => s.importMs),
      row("createEmulator to ready", (s) => s.readyMs),
      row("createEmulator to first /hello/", (s) => s.firstFetchMs),
    ];
  },
};
