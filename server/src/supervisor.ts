/**
 * Keeps the server's environment out of apps' reach. Worker threads share the process, and
 * `/proc/<pid>/environ` shows the environment a process was *exec'd* with, whatever
 * `process.env` says later; any process of the same user may read it. So `npm start` runs a small
 * supervisor that starts the real server with an almost empty environment and hands it the full
 * one over IPC: the server's `/proc/self/environ` holds nothing secret. Then the supervisor, whose
 * own start-up environment still holds everything, re-executes itself (`execve`: same pid, so it
 * stays the server's parent) with the same almost empty environment: `/proc/<ppid>/environ` holds
 * nothing secret either, and the supervisor no longer holds the secrets at all, not even in
 * memory. It forwards signals and exits with the server's status. Where `execve` is missing
 * (not Linux), it stays as it started. `BUNTIME_SUPERVISOR=0` runs the server directly (when
 * the environment is already minimal). `docs/security.md` says what this does and does not hide.
 *
 * The server runs in a process group of its own, so that once it exits the supervisor ends what
 * its apps started and left behind (a child an app's thread was blocked on). And if the server
 * has not exited by its shutdown deadline after a signal, the supervisor kills it.
 */

import { adoptServer, fromSubprocess, type SupervisedServer } from "./supervised-server.ts";

const CHILD_FLAG = "BUNTIME_SUPERVISED";
/** In the re-executed supervisor: the pid of the server it started before the exec. */
const SERVER_PID = "BUNTIME_SERVER_PID";
/** In the re-executed supervisor: its kill deadline, computed from the environment it no longer has. */
const DEADLINE_MS = "BUNTIME_SUPERVISOR_DEADLINE_MS";
/**
 * The supervisor's go-ahead to the server, sent once it forwards signals: until then (while it
 * re-executes itself) a SIGTERM would kill the supervisor instead of stopping the server, so the
 * server does not start serving before it.
 */
const READY_SIGNAL = "SIGUSR2";
/** How long the server waits for READY_SIGNAL before it starts anyway (it comes in milliseconds). */
const READY_WAIT_MS = 10_000;
/** All the server and the re-executed supervisor start with; harmless if an app reads their environ. */
const PASS_THROUGH = ["PATH", "HOME", "TMPDIR", "LANG", "TZ"];

/** True in the process that should run the server itself. */
export function isServerProcess(): boolean {
  return process.env[CHILD_FLAG] === "1" || process.env.BUNTIME_SUPERVISOR === "0";
}

/**
 * In the supervised server: waits for the environment from the supervisor, applies it, and
 * waits for the supervisor's go-ahead (READY_SIGNAL).
 */
export async function receiveEnvironment(): Promise<void> {
  if (process.env[CHILD_FLAG] !== "1") return;
  // Listening before the acknowledgement below, which the go-ahead follows: the signal's default
  // action would end this process.
  const ready = new Promise<void>((resolve) => process.once(READY_SIGNAL, () => resolve()));
  const env = await new Promise<Record<string, string>>((resolve) => {
    process.once("message", (message) => resolve((message as { env: Record<string, string> }).env));
  });
  // The acknowledgement lets the supervisor re-execute itself: it then holds the secrets nowhere.
  // The supervisor closes the channel (its exec does), not this side: a disconnect here could
  // drop the acknowledgement unsent.
  process.send?.({ received: true });
  delete process.env[CHILD_FLAG];
  Object.assign(process.env, env);
  let timer: ReturnType<typeof setTimeout> | undefined;
  const waited = await Promise.race([
    ready.then(() => true),
    new Promise<false>((resolve) => {
      timer = setTimeout(() => resolve(false), READY_WAIT_MS);
    }),
  ]);
  clearTimeout(timer);
  if (!waited) console.error(`buntime: no go-ahead from the supervisor within ${READY_WAIT_MS} ms; starting anyway`);
  // If the supervisor dies without forwarding a signal (SIGKILL), do not live on as an orphan.
  const parent = process.ppid;
  setInterval(() => {
    if (process.ppid !== parent) process.kill(process.pid, "SIGTERM");
  }, 1000).unref();
}

/**
 * Runs `entry` as the supervised server; resolves with its exit status. `deadlineMs` after the
 * first SIGTERM/SIGINT it forwards, a server still running is killed. On Linux this re-executes
 * the process once the server has its environment (see the header): the call in the new image
 * finds the server by its pid and carries on.
 */
export async function supervise(entry: string, deadlineMs: number): Promise<number> {
  const adopted = adoptedServer();
  if (adopted === null) {
    console.error(`buntime: ${SERVER_PID}=${process.env[SERVER_PID]} is not a server this process started`);
    return 1;
  }
  const server = adopted?.server ?? (await startServer(entry, deadlineMs));
  const killAfterMs = adopted?.deadlineMs ?? deadlineMs;
  let deadline: ReturnType<typeof setTimeout> | undefined;
  const forward = (signal: NodeJS.Signals) => () => {
    server.kill(signal);
    // The server keeps its own deadline; this one holds even if its main thread cannot.
    if (signal !== "SIGHUP") deadline ??= setTimeout(() => server.kill("SIGKILL"), killAfterMs);
  };
  process.on("SIGTERM", forward("SIGTERM"));
  process.on("SIGINT", forward("SIGINT"));
  process.on("SIGHUP", forward("SIGHUP"));
  server.kill(READY_SIGNAL);
  const status = await server.exited;
  clearTimeout(deadline);
  killGroup(server.pid);
  return status;
}

/**
 * Spawns the server with the minimal environment and hands it the whole one; then, where it can,
 * re-executes this process with the minimal environment (never returning). Otherwise, or when
 * the server exited before taking its environment, supervises it from here.
 */
async function startServer(entry: string, deadlineMs: number): Promise<SupervisedServer> {
  const received = Promise.withResolvers<true>();
  const child = Bun.spawn(serverCommand(entry), {
    env: minimalEnvironment({ [CHILD_FLAG]: "1" }),
    stdio: ["inherit", "inherit", "inherit"],
    ipc: () => received.resolve(true),
    detached: true, // its own process group (see the header)
  });
  child.send({ env: { ...process.env } });
  const handedOver = await Promise.race([received.promise, child.exited.then(() => false)]);
  // Synchronous from here to the exec: Bun reaps a child only from its event loop, so a server
  // that exits meanwhile stays a zombie the new image can read its status from.
  if (handedOver && canReexecute()) {
    const env = minimalEnvironment({ [SERVER_PID]: String(child.pid), [DEADLINE_MS]: String(deadlineMs) });
    try {
      process.execve?.(process.execPath, serverCommand(entry), env);
    } catch (error) {
      // The server runs either way; say what is left exposed rather than refuse to serve.
      console.error(`buntime: the supervisor could not re-execute itself, so apps can read its environment: ${error}`);
    }
  }
  child.disconnect();
  return fromSubprocess(child);
}

/**
 * In a re-executed supervisor: the server it started before the exec, and its deadline;
 * undefined in a fresh one; null when the variables do not name a child of this process (its
 * environment is gone with the exec: starting a server now would start one without it).
 */
function adoptedServer(): { server: SupervisedServer; deadlineMs: number } | undefined | null {
  if (process.env[SERVER_PID] === undefined) return undefined;
  const pid = Number(process.env[SERVER_PID]);
  const deadlineMs = Number(process.env[DEADLINE_MS]);
  const server = Number.isInteger(pid) && pid > 0 ? adoptServer(pid) : undefined;
  return server && Number.isFinite(deadlineMs) ? { server, deadlineMs } : null;
}

/**
 * The command that runs `entry` again: `bun <entry>`, or the binary alone when this is a binary
 * built with `bun build --compile` (its entry lives in Bun's embedded `/$bunfs/`; as an argument
 * it would reach the program as one).
 */
function serverCommand(entry: string): string[] {
  return entry.startsWith("/$bunfs/") ? [process.execPath] : [process.execPath, entry];
}

/** `process.execve` (Bun on Linux) replaces the image and keeps the pid; elsewhere, no re-exec. */
function canReexecute(): boolean {
  return process.platform === "linux" && typeof process.execve === "function";
}

/** The PASS_THROUGH variables this process has, plus `extra`. */
function minimalEnvironment(extra: Record<string, string>): Record<string, string> {
  const env: Record<string, string> = {};
  for (const key of PASS_THROUGH) {
    const value = process.env[key];
    if (value !== undefined) env[key] = value;
  }
  return { ...env, ...extra };
}

/** Kills what is left of the server's process group (apps' child processes); none left is fine. */
function killGroup(pid: number): void {
  try {
    process.kill(-pid, "SIGKILL");
  } catch {
    // ESRCH: the group is empty.
  }
}
