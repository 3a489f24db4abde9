/** Every scenario, in the order a full run takes them, and the groups `--only` accepts. */
import type { Scenario } from "../scenario.ts";
import { catalogue } from "./catalogue.ts";
import { cluster } from "./cluster.ts";
import { cold } from "./cold.ts";
import { compare } from "./compare.ts";
import { cpu } from "./cpu.ts";
import { dashboard } from "./dashboard.ts";
import { emulator } from "./emulator.ts";
import { hello } from "./hello.ts";
import { isolation } from "./isolation.ts";
import { logs } from "./logs.ts";
import { memory } from "./memory.ts";
import { plugins } from "./plugins.ts";
import { processes } from "./processes.ts";
import { recycle } from "./recycle.ts";
import { sse } from "./sse.ts";
import { bytes1m, bytes64k, hono } from "./throughput.ts";
import { ws } from "./ws.ts";

export const SCENARIOS: readonly Scenario[] = [
  hello,
  hono,
  bytes64k,
  bytes1m,
  sse,
  ws,
  logs,
  cpu,
  dashboard,
  plugins,
  cold,
  recycle,
  memory,
  isolation,
  catalogue,
  cluster,
  processes,
  emulator,
];

/** Names that stand for several scenarios. */
const GROUPS: Record<string, string[]> = {
  throughput: ["hello", "hono", "64k", "1m"],
};

/**
 * The scenarios named by `--only` (all when empty), or just `compare` with `--against`; throws
 * naming an unknown one.
 */
export function selectScenarios(only: readonly string[], against?: string): Scenario[] {
  if (against !== undefined) {
    if (only.length > 0) throw new Error("--against runs its own comparison: leave out --only");
    return [compare];
  }
  if (only.length === 0) return [...SCENARIOS];
  const wanted = new Set(only.flatMap((name) => GROUPS[name] ?? [name]));
  for (const name of wanted) {
    if (!SCENARIOS.some((s) => s.name === name)) {
      const known = [...SCENARIOS.map((s) => s.name), ...Object.keys(GROUPS)].join(", ");
      throw new Error(`--only: no scenario "${name}" (known: ${known})`);
    }
  }
  return SCENARIOS.filter((s) => wanted.has(s.name));
}
