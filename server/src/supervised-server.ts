/**
 * The server process as its supervisor sees it, whichever way the supervisor got it: spawned by
 * this very process image (a Bun `Subprocess`), or *adopted*: spawned before the supervisor
 * re-executed itself (`supervisor.ts`). An exec keeps the pid, so the server is still this
 * process's child for the kernel, but Bun's handle on it is gone with the old image. An adopted
 * server is then watched through `/proc/<pid>/stat`: once it exits it stays a zombie (nothing
 * else may reap a child), whose stat line holds its wait status. Linux only, as is the re-exec.
 */
import { readFileSync } from "node:fs";
import { constants } from "node:os";
import type { Subprocess } from "bun";

/** How often an adopted server is checked for its exit; the supervisor's exit lags at most this. */
const ADOPTED_POLL_MS = 100;

/** The supervised server: its pid, its exit, and signals to it. */
export interface SupervisedServer {
  readonly pid: number;
  /** Resolves with the exit status as a shell reports it: the code, or 128 + the signal's number. */
  readonly exited: Promise<number>;
  /** Sends `signal`; a server already gone is not an error. */
  kill(signal: NodeJS.Signals): void;
}

/** A server this process image spawned. */
export function fromSubprocess(child: Subprocess): SupervisedServer {
  return {
    pid: child.pid,
    exited: child.exited.then((code) => {
      const signal = child.signalCode as NodeJS.Signals | null;
      return signal ? 128 + (constants.signals[signal] ?? 1) : code;
    }),
    kill: (signal) => child.kill(signal),
  };
}

/**
 * The child `pid` that an earlier image of this process spawned, or undefined when `pid` is not
 * this process's child (a stale or forged value: never signal a stranger).
 */
export function adoptServer(pid: number): SupervisedServer | undefined {
  const first = readStat(pid);
  if (!first || first.ppid !== process.pid) return undefined;
  const exited = new Promise<number>((resolve) => {
    // Polled, not evented: no API hands an exec'd Bun a wait on a child it did not spawn. The
    // interval keeps the supervisor alive while the server runs.
    const timer = setInterval(() => {
      const stat = readStat(pid);
      if (stat && stat.state !== "Z" && stat.state !== "X") return;
      clearInterval(timer);
      // Gone without a zombie (reaped elsewhere, which nothing here does): report a failure.
      resolve(stat ? shellStatus(stat.waitStatus) : 1);
    }, ADOPTED_POLL_MS);
  });
  return {
    pid,
    exited,
    kill(signal) {
      try {
        process.kill(pid, signal);
      } catch {
        // ESRCH: it has already exited.
      }
    },
  };
}

/** The fields of `/proc/<pid>/stat` this module reads. */
export interface ProcStat {
  /** `R`, `S`, `D`, `Z` (exited, not yet reaped), `X` (dead), ... */
  state: string;
  ppid: number;
  /** The wait status, as `waitpid` would report it (field 52, Linux 3.5+); 0 while it runs. */
  waitStatus: number;
}

/**
 * Parses a `/proc/<pid>/stat` line. The command name (field 2) is in parentheses and may hold
 * spaces or parentheses itself, so fields are counted from the last `)`.
 */
export function parseProcStat(line: string): ProcStat | undefined {
  const fields = line.slice(line.lastIndexOf(")") + 2).split(" ");
  // fields[0] is field 3 (state), so field n is fields[n - 3].
  const state = fields[0];
  const ppid = Number(fields[1]);
  const waitStatus = Number(fields[49] ?? 0);
  if (!state || !Number.isInteger(ppid)) return undefined;
  return { state, ppid, waitStatus: Number.isInteger(waitStatus) ? waitStatus : 0 };
}

/** A `waitpid` status as a shell reports it: the exit code, or 128 + the number of the signal that ended it. */
export function shellStatus(waitStatus: number): number {
  const signal = waitStatus & 0x7f;
  return signal === 0 ? (waitStatus >> 8) & 0xff : 128 + signal;
}

function readStat(pid: number): ProcStat | undefined {
  try {
    return parseProcStat(readFileSync(`/proc/${pid}/stat`, "utf8"));
  } catch {
    return undefined; // no such process
  }
}
