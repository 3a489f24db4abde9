/**
 * The real server, `bun server/src/index.ts`, as a child process: for shutdown signals, and for
 * behaviour that `bun test` itself changes inside workers (under it, a worker's
 * `process.on("unhandledRejection")` is never called and the rejection kills the worker:
 * oven-sh/bun#36445).
 *
 * @example
 * const server = await startServerProcess({ APPS_DIR: FIXTURE_APPS });
 * await fetch(server.at("/hello/"));
 * server.proc.kill("SIGTERM");
 * expect(await server.proc.exited).toBe(0);
 */
import type { Subprocess } from "bun";
import { ROOT, TEST_ADMIN_TOKEN } from "./_setup.ts";

export interface ServerProcess {
  proc: Subprocess<"ignore", "pipe", "pipe">;
  url: string;
  /** `new URL(path, url)` as a string. */
  at(path: string): string;
  /** Every stdout line so far; the first is the one with the URL. */
  lines: string[];
}

const running = new Set<Subprocess>();

/**
 * Starts the server with `env` (PORT=0, HOST=127.0.0.1, BUNTIME_ADMIN_TOKEN=TEST_ADMIN_TOKEN by
 * default) and waits for its first stdout line. `cmd` and `cwd` run another build of it (a
 * compiled binary, an installed copy); by default this checkout's source.
 */
export async function startServerProcess(
  env: Record<string, string>,
  { cmd = [process.execPath, "server/src/index.ts"], cwd = ROOT }: { cmd?: string[]; cwd?: string } = {},
): Promise<ServerProcess> {
  const proc = Bun.spawn(cmd, {
    cwd,
    env: {
      PATH: process.env.PATH ?? "",
      HOME: process.env.HOME ?? "/tmp",
      PORT: "0",
      HOST: "127.0.0.1",
      BUNTIME_ADMIN_TOKEN: TEST_ADMIN_TOKEN,
      ...env,
    },
    stdin: "ignore",
    stdout: "pipe",
    stderr: "pipe",
  });
  running.add(proc);
  void proc.exited.then(() => running.delete(proc));
  const stderr = new Response(proc.stderr).text(); // read all along: the pipe never fills
  const lines: string[] = [];
  const first = Promise.withResolvers<string>();
  void (async () => {
    const decoder = new TextDecoder();
    let pending = "";
    for await (const chunk of proc.stdout) {
      pending += decoder.decode(chunk, { stream: true });
      const complete = pending.split("\n");
      pending = complete.pop() ?? "";
      for (const line of complete) {
        if (lines.length === 0) first.resolve(line);
        lines.push(line);
      }
    }
    first.reject(new Error(`the server exited (${await proc.exited}) before printing a line: ${await stderr}`));
  })();
  const line = await first.promise;
  const url = /^Buntime listening on (http:\/\/127\.0\.0\.1:\d+\/)/.exec(line)?.[1];
  if (!url) throw new Error(`the first stdout line does not carry the URL: ${line}`);
  return { proc, url, lines, at: (path) => new URL(path, url).href };
}

/** Kills every server process still running (for `afterAll`/`afterEach`: a failed test leaves none behind). */
export function killServerProcesses(): void {
  for (const proc of running) proc.kill("SIGKILL");
  running.clear();
}
