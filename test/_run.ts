/**
 * A command run to its end with pipes (not a TTY): what it printed on each stream and how it
 * exited. A command still running after `timeoutMs` is killed (SIGKILL), so a hung child never
 * outlives its test. Self-contained (no server code), so test/packages/outside-repo.ts uses it too.
 *
 * @example
 * const { code, stdout } = await run([process.execPath, "server/src/index.ts", "keys", "list"], { cwd: ROOT, env: { PATH } });
 */
export interface Ran {
  code: number;
  stdout: string;
  stderr: string;
}

export async function run(
  cmd: string[],
  { cwd, env, timeoutMs = 60_000 }: { cwd: string; env: Record<string, string | undefined>; timeoutMs?: number },
): Promise<Ran> {
  const proc = Bun.spawn(cmd, { cwd, env, stdout: "pipe", stderr: "pipe" });
  const limit = setTimeout(() => proc.kill("SIGKILL"), timeoutMs);
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
