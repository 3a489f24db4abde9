/**
 * What Linux says about a process: CPU time from `/proc/<pid>/stat` and resident memory from
 * `/proc/<pid>/status`. Both count every thread of the process, so the runtime's worker
 * threads are included with its main thread.
 */
import { readFileSync } from "node:fs";

let clockTicks: number | undefined;

/** Clock ticks per second (`getconf CLK_TCK`), the unit of utime and stime; 100 if getconf is missing. */
export function clockTicksPerSecond(): number {
  if (clockTicks === undefined) {
    const result = Bun.spawnSync(["getconf", "CLK_TCK"], { stdout: "pipe", stderr: "ignore" });
    const parsed = Number(result.stdout.toString().trim());
    clockTicks = result.exitCode === 0 && parsed > 0 ? parsed : 100;
  }
  return clockTicks;
}

/**
 * utime + stime of `pid` in clock ticks (fields 14 and 15 of /proc/<pid>/stat): all its threads,
 * or with `thread`, that one thread alone (`/proc/<pid>/task/<tid>/stat`; the main thread's tid
 * is the pid).
 */
export function cpuTicks(pid: number, thread?: number): number {
  const path = thread === undefined ? `/proc/${pid}/stat` : `/proc/${pid}/task/${thread}/stat`;
  const stat = readFileSync(path, "utf8");
  // Field 2 (the command) is in parentheses and may hold spaces: count fields after the last ")".
  const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
  // fields[0] is field 3 (state), so utime (14) and stime (15) are at 11 and 12.
  return Number(fields[11]) + Number(fields[12]);
}

/** Resident set size of `pid` in bytes (VmRSS of /proc/<pid>/status). */
export function rssBytes(pid: number): number {
  const status = readFileSync(`/proc/${pid}/status`, "utf8");
  const kb = /^VmRSS:\s+(\d+)\s+kB/m.exec(status)?.[1];
  if (kb === undefined) throw new Error(`no VmRSS for pid ${pid}`);
  return Number(kb) * 1024;
}
