/** The facts that make two result files comparable: the machine, the software and the commit. */
import { readFileSync } from "node:fs";
import { cpus, loadavg, release, totalmem } from "node:os";

export interface MachineFacts {
  date: string;
  cpuModel: string;
  cores: number;
  memoryGiB: number;
  kernel: string;
  bun: string;
  loadGenerator: string;
  /** 1-minute load average when the run started: a busy neighbour shows here. */
  loadAverage: number;
  commit: string;
}

/** Reads the machine facts once, at the start of a run. */
export function machineFacts(loadGenerator: string): MachineFacts {
  return {
    date: new Date().toISOString(),
    cpuModel: cpuModel(),
    cores: cpus().length,
    memoryGiB: Math.round((totalmem() / 1024 ** 3) * 10) / 10,
    kernel: release(),
    bun: Bun.version,
    loadGenerator,
    loadAverage: loadavg()[0] ?? 0,
    commit: gitCommit(),
  };
}

function cpuModel(): string {
  try {
    const info = readFileSync("/proc/cpuinfo", "utf8");
    const model = /^model name\s*:\s*(.+)$/m.exec(info)?.[1];
    if (model) return model.trim();
  } catch {
    // Not Linux: fall through to what Node reports.
  }
  return cpus()[0]?.model ?? "unknown";
}

/** `HEAD`'s short hash, with `+dirty` when the tree has changes (the numbers then are of uncommitted code). */
function gitCommit(): string {
  const head = Bun.spawnSync(["git", "rev-parse", "--short", "HEAD"], { stdout: "pipe", stderr: "ignore" });
  if (head.exitCode !== 0) return "unknown";
  const dirty = Bun.spawnSync(["git", "status", "--porcelain", "--untracked-files=no"], { stdout: "pipe" });
  return `${head.stdout.toString().trim()}${dirty.stdout.toString().trim() ? "+dirty" : ""}`;
}
