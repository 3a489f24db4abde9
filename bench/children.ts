/**
 * Every process the bench starts (servers, wrk) goes through `spawnTracked`, so an interrupted
 * run (Ctrl-C, a thrown error) can kill them all by pid and leave no server holding a port.
 */
import type { Subprocess } from "bun";

/** A child with stdout and stderr piped to the bench. */
export type Child = Subprocess<"ignore", "pipe", "pipe">;

const live = new Set<Child>();

/** Starts `cmd` with piped output and remembers it until it exits. */
export function spawnTracked(cmd: string[], options: { env?: Record<string, string>; cwd?: string } = {}): Child {
  const child = Bun.spawn(cmd, { ...options, stdin: "ignore", stdout: "pipe", stderr: "pipe" });
  live.add(child);
  void child.exited.finally(() => live.delete(child));
  return child;
}

/** Runs `cmd` to its end (tracked), collecting its output. */
export async function runTracked(cmd: string[]): Promise<{ stdout: string; stderr: string; code: number }> {
  const child = spawnTracked(cmd);
  const [stdout, stderr, code] = await Promise.all([
    new Response(child.stdout).text(),
    new Response(child.stderr).text(),
    child.exited,
  ]);
  return { stdout, stderr, code };
}

/** SIGKILLs every tracked process still running (each by its own pid). */
export function killAllChildren(): void {
  for (const child of live) child.kill("SIGKILL");
  live.clear();
}
