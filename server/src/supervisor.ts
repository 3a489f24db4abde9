/**
 * Keeps the server's environment out of apps' reach. Worker threads share the process, and
 * `/proc/self/environ` shows the environment a process *started* with, whatever `process.env`
 * says later. So `npm start` runs a small supervisor that starts the real server with an almost
 * empty environment and hands it the full one over IPC; the server's `/proc/self/environ` then
 * holds nothing secret. The supervisor forwards signals and exits with the server's status.
 * `BUNTIME_SUPERVISOR=0` runs the server directly (when the environment is already minimal).
 *
 * The server runs in a process group of its own, so that once it exits the supervisor ends what
 * its apps started and left behind (a child an app's thread was blocked on). And if the server
 * has not exited by its shutdown deadline after a signal, the supervisor kills it.
 */

import { constants } from "node:os";

const CHILD_FLAG = "BUNTIME_SUPERVISED";
/** All the server process starts with; harmless if an app reads /proc/self/environ. */
const PASS_THROUGH = ["PATH", "HOME", "TMPDIR", "LANG", "TZ"];

/** True in the process that should run the server itself. */
export function isServerProcess(): boolean {
  return process.env[CHILD_FLAG] === "1" || process.env.BUNTIME_SUPERVISOR === "0";
}

/** In the supervised server: waits for the environment from the supervisor, then applies it. */
export async function receiveEnvironment(): Promise<void> {
  if (process.env[CHILD_FLAG] !== "1") return;
  const env = await new Promise<Record<string, string>>((resolve) => {
    process.once("message", (message) => resolve((message as { env: Record<string, string> }).env));
  });
  process.disconnect?.();
  delete process.env[CHILD_FLAG];
  Object.assign(process.env, env);
  // If the supervisor dies without forwarding a signal (SIGKILL), do not live on as an orphan.
  const parent = process.ppid;
  setInterval(() => {
    if (process.ppid !== parent) process.kill(process.pid, "SIGTERM");
  }, 1000).unref();
}

/**
 * Runs `entry` as the supervised server; resolves with its exit status. `deadlineMs` after the
 * first SIGTERM/SIGINT it forwards, a server still running is killed.
 */
export async function supervise(entry: string, deadlineMs: number): Promise<number> {
  const minimal: Record<string, string> = { [CHILD_FLAG]: "1" };
  for (const key of PASS_THROUGH) {
    const value = process.env[key];
    if (value !== undefined) minimal[key] = value;
  }
  const child = Bun.spawn([process.execPath, entry], {
    env: minimal,
    stdio: ["inherit", "inherit", "inherit"],
    ipc() {},
    detached: true, // its own process group (see the header)
  });
  child.send({ env: { ...process.env } });
  let deadline: ReturnType<typeof setTimeout> | undefined;
  const forward = (signal: NodeJS.Signals) => () => {
    child.kill(signal);
    // The server keeps its own deadline; this one holds even if its main thread cannot.
    if (signal !== "SIGHUP") deadline ??= setTimeout(() => child.kill("SIGKILL"), deadlineMs);
  };
  process.on("SIGTERM", forward("SIGTERM"));
  process.on("SIGINT", forward("SIGINT"));
  process.on("SIGHUP", forward("SIGHUP"));
  const code = await child.exited;
  clearTimeout(deadline);
  killGroup(child.pid);
  const signal = child.signalCode as NodeJS.Signals | null;
  return signal ? 128 + (constants.signals[signal] ?? 1) : code;
}

/** Kills what is left of the server's process group (apps' child processes); none left is fine. */
function killGroup(pid: number): void {
  try {
    process.kill(-pid, "SIGKILL");
  } catch {
    // ESRCH: the group is empty.
  }
}
