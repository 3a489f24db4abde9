/**
 * A command run to its end with pipes (not a TTY), from the repository's root by default: what
 * it printed on each stream and how it exited.
 *
 * @example
 * const { code, stdout } = await run([process.execPath, "server/src/index.ts", "keys", "list"], { PATH });
 */
import { ROOT } from "./_setup.ts";

export interface Ran {
  code: number;
  stdout: string;
  stderr: string;
}

/** A command still running after this long is killed (SIGKILL): a hung child never outlives its test. */
const RUN_LIMIT_MS = 60_000;

export async function run(cmd: string[], env: Record<string, string | undefined>, cwd = ROOT): Promise<Ran> {
  const proc = Bun.spawn(cmd, { cwd, env, stdout: "pipe", stderr: "pipe" });
  const limit = setTimeout(() => proc.kill("SIGKILL"), RUN_LIMIT_MS);
  try {
    const [stdout, stderr, code] = await Promise.all([
      new Response(proc.stdout).text(),
      new Response(proc.stderr).text(),
      proc.exited,
    ]);
    return { code, stdout, stderr };
  } finally {
    clearTimeout(limit);
  }
}
