/**
 * Keeps the server's environment out of apps' reach. Worker threads share the process, and
 * `/proc/self/environ` shows the environment a process *started* with, whatever `process.env`
 * says later. So `npm start` runs a small supervisor that starts the real server with an almost
 * empty environment and hands it the full one over IPC; the server's `/proc/self/environ` then
 * holds nothing secret. The supervisor forwards signals and exits with the server's status.
 * `BUNTIME_SUPERVISOR=0` runs the server directly (when the environment is already minimal).
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

/** Runs `entry` as the supervised server; resolves with its exit status. */
export async function supervise(entry: string): Promise<number> {
  const minimal: Record<string, string> = { [CHILD_FLAG]: "1" };
  for (const key of PASS_THROUGH) {
    const value = process.env[key];
    if (value !== undefined) minimal[key] = value;
  }
  const child = Bun.spawn([process.execPath, entry], {
    env: minimal,
    stdio: ["inherit", "inherit", "inherit"],
    ipc() {},
  });
  child.send({ env: { ...process.env } });
  const forward = (signal: NodeJS.Signals) => () => child.kill(signal);
  process.on("SIGTERM", forward("SIGTERM"));
  process.on("SIGINT", forward("SIGINT"));
  process.on("SIGHUP", forward("SIGHUP"));
  const code = await child.exited;
  const signal = child.signalCode as NodeJS.Signals | null;
  return signal ? 128 + (constants.signals[signal] ?? 1) : code;
}
