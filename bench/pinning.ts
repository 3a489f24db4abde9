/**
 * `--cpus N` (pinned mode): the server under test and every thread it starts run on cores
 * 0…N-1 (`taskset -c`), the load generator on core N, so the server gets exactly N cores, as
 * a Kubernetes pod with `cpu: N` does, and wrk never takes its CPU. Unpinned (the default),
 * commands run as given. `taskset` execs the command, so a child's pid is still the server's
 * (its /proc CPU time and memory stay readable).
 */
import { availableParallelism } from "node:os";

let serverCpus: number | undefined;

/**
 * Pins later servers to `cpus` cores and the load generator to the next one; undefined unpins.
 * @throws Error when the machine has no core left for the load generator
 */
export function setPinning(cpus: number | undefined): void {
  if (cpus !== undefined && cpus >= availableParallelism()) {
    throw new Error(`--cpus ${cpus}: this machine has ${availableParallelism()} cores, one must be left for wrk`);
  }
  serverCpus = cpus;
}

/** The cores of the run, for the report's header; undefined when unpinned. */
export function pinning(): { server: string; load: string } | undefined {
  if (serverCpus === undefined) return undefined;
  return { server: serverCpus === 1 ? "0" : `0-${serverCpus - 1}`, load: String(serverCpus) };
}

/** `cmd` as run on its side's cores: `taskset -c <cores> …cmd` when pinned, else `cmd`. */
export function pinned(cmd: string[], side: "server" | "load"): string[] {
  const cores = pinning();
  return cores ? ["taskset", "-c", cores[side], ...cmd] : cmd;
}
