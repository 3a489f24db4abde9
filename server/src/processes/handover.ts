/**
 * How a group's supervisor keeps the environment across its re-execution (docs/security.md). A
 * supervisor of one process forgets the environment once the server has it; a supervisor of
 * several must restart a crashed one with it, yet its own `/proc/<pid>/environ` must not hold
 * it. Before the exec it starts process 0 with a `Blob` as stdin holding the environment (Bun
 * puts a Blob stdin in a memfd, a file in memory only); after it, the new image opens that file
 * through `/proc/<pid of process 0>/fd/0`, reads it and truncates it to nothing. The
 * supervisor's own descriptors are close-on-exec: descriptors are the only state an exec keeps
 * that the environ does not show, and a child's are the only ones it cannot close (tried in Bun
 * 1.4.5: a file Bun opens does not survive `process.execve`).
 *
 * Who else can open that path in the moment it holds the environment: only a process allowed to
 * ptrace process 0 (the kernel checks the same access for `/proc/<pid>/fd` as for
 * `/proc/<pid>/mem`), one that could read the environment from process 0's memory anyway.
 * Process 0 never reads its stdin.
 */
import { closeSync, ftruncateSync, openSync, readFileSync } from "node:fs";

/** What process 0's stdin gets: the environment as JSON. */
export function keptEnvironment(env: Record<string, string>): Blob {
  return new Blob([JSON.stringify(env)]);
}

/**
 * Reads the environment back from the stdin of `pid` (a child of this process, started with
 * `keptEnvironment`) and empties it; undefined when it is not there (the process has exited, its
 * stdin is not such a file, or it holds no environment, having been read already).
 */
export function readKeptEnvironment(pid: number): Record<string, string> | undefined {
  let fd: number;
  try {
    fd = openSync(`/proc/${pid}/fd/0`, "r+");
  } catch {
    return undefined;
  }
  let text: string;
  try {
    text = readFileSync(fd, "utf8");
    ftruncateSync(fd, 0);
  } catch {
    return undefined;
  } finally {
    closeSync(fd);
  }
  try {
    const parsed = JSON.parse(text) as unknown;
    return parsed && typeof parsed === "object" ? (parsed as Record<string, string>) : undefined;
  } catch {
    return undefined;
  }
}
