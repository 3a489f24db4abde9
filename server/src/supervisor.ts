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
 *
 * With BUNTIME_PROCESSES > 1 it starts that many servers sharing PORT (`processes/group.ts`
 * restarts a crashed one), and keeps the environment across its exec in process 0's stdin to
 * start the replacements with (`processes/handover.ts`): a group's supervisor holds the secrets
 * in memory, never in its environ. With one process it mirrors the server: the server's exit is
 * its own (a container's or systemd's restart policy takes over).
 */

import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { nodeId } from "./cluster/node-id.ts";
import { envSchema } from "./constants.ts";
import { type Group, superviseGroup } from "./processes/group.ts";
import { keptEnvironment, readKeptEnvironment } from "./processes/handover.ts";
import { PROCESS_DIR_VAR, PROCESS_INDEX_VAR } from "./processes/identity.ts";
import { adoptServer, fromSubprocess, type SupervisedServer } from "./supervised-server.ts";

const CHILD_FLAG = "BUNTIME_SUPERVISED";
/**
 * In the server: its supervisor's pid (the same after the supervisor's re-exec). Read from the
 * parent pid instead, it was init's already when the supervisor died while the server loaded its
 * modules, and that orphan served on for good.
 */
const SUPERVISOR_PID = "BUNTIME_SUPERVISOR_PID";
/** In the re-executed supervisor: the pid of the server it started before the exec (a group's: their pids, by index, comma-separated). */
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
/**
 * JavaScriptCore's options (`BUN_JSC_useGenerationalGC=0`…, bench/README.md): read only from the
 * environment a process starts with, so handing them over later would do nothing. Tuning, not secrets.
 */
const PASS_THROUGH_PREFIX = "BUN_JSC_";

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
  const parent = Number(process.env[SUPERVISOR_PID]) || process.ppid;
  delete process.env[SUPERVISOR_PID];
  // A supervisor that died before it handed the environment over closed the channel: no wait.
  if (process.ppid !== parent) {
    console.error("buntime: the supervisor is gone before the start; exiting");
    process.exit(1);
  }
  // Listening before the acknowledgement below, which the go-ahead follows: the signal's default
  // action would end this process.
  const ready = new Promise<void>((resolve) => process.once(READY_SIGNAL, () => resolve()));
  const env = await new Promise<Record<string, string>>((resolve) => {
    // The channel closed with nothing sent: the supervisor died. Nothing to serve with.
    const gone = () => {
      console.error("buntime: the supervisor is gone before it handed the environment over; exiting");
      process.exit(1);
    };
    process.once("disconnect", gone);
    process.once("message", (message) => {
      // Its later close is normal: the supervisor's re-exec closes it.
      process.off("disconnect", gone);
      resolve((message as { env: Record<string, string> }).env);
    });
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
  if (process.ppid !== parent) process.kill(process.pid, "SIGTERM");
  setInterval(() => {
    if (process.ppid !== parent) process.kill(process.pid, "SIGTERM");
  }, 1000).unref();
}

/**
 * Runs `entry` as the supervised server (BUNTIME_PROCESSES of them); resolves with the exit
 * status. `deadlineMs` after the first SIGTERM/SIGINT it forwards, a server still running is
 * killed. On Linux this re-executes the process once the servers have their environment (see the
 * header): the call in the new image finds the servers by their pids and carries on.
 */
export async function supervise(entry: string, deadlineMs: number): Promise<number> {
  const adopted = adoptedServers();
  if (adopted === null) {
    console.error(`buntime: ${SERVER_PID}=${process.env[SERVER_PID]} is not a server this process started`);
    return 1;
  }
  if (adopted && adopted.servers.length > 1) return superviseAdoptedGroup(entry, adopted.servers, adopted.deadlineMs);
  if (adopted) return watchOne(adopted.servers[0] as SupervisedServer, adopted.deadlineMs);
  const count = processCount();
  if (count > 1) return startGroup(entry, deadlineMs, count);
  return watchOne(await startServer(entry, deadlineMs), deadlineMs);
}

/** Forwards signals to the one server and exits with its status. */
async function watchOne(server: SupervisedServer, killAfterMs: number): Promise<number> {
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

/** BUNTIME_PROCESSES as the env schema reads it; 1 when invalid (the server then exits 2 naming it). */
function processCount(): number {
  const parsed = envSchema.shape.BUNTIME_PROCESSES.safeParse(process.env.BUNTIME_PROCESSES || undefined);
  return parsed.success ? parsed.data : 1;
}

/**
 * Starts a group of `count` servers: picks the port when PORT is 0 (they must share one), makes
 * the folder of their side channels, starts each with the environment and process 0 keeping it
 * (`processes/handover.ts`), then re-executes (never returning) or, where it cannot, supervises
 * them from here with the environment it still holds.
 */
async function startGroup(entry: string, deadlineMs: number, count: number): Promise<number> {
  const env = { ...process.env } as Record<string, string>;
  if ((env.PORT || "8000") === "0") env.PORT = String(freePort(env.HOST || "0.0.0.0"));
  env[PROCESS_DIR_VAR] = mkdtempSync(join(tmpdir(), "buntime-processes-"));
  // One node, whichever process answers: the default id (host name + pid) is the supervisor's.
  env.BUNTIME_NODE_ID ||= nodeId(undefined);
  const started = await Promise.all(
    Array.from({ length: count }, (_, index) => spawnServer(entry, env, index, index === 0)),
  );
  // Synchronous from here to the exec, as in startServer.
  if (started.every((one) => one.handedOver) && canReexecute()) {
    const pids = started.map((one) => one.child.pid).join(",");
    const minimal = minimalEnvironment({
      [SERVER_PID]: pids,
      [DEADLINE_MS]: String(deadlineMs),
      [PROCESS_DIR_VAR]: env[PROCESS_DIR_VAR],
    });
    try {
      process.execve?.(process.execPath, serverCommand(entry), minimal);
    } catch (error) {
      console.error(`buntime: the supervisor could not re-execute itself, so apps can read its environment: ${error}`);
    }
  }
  for (const one of started) one.child.disconnect();
  return runGroup(
    entry,
    started.map((one) => fromSubprocess(one.child)),
    deadlineMs,
    env,
  );
}

/** In a re-executed supervisor of a group: takes the environment back from process 0 and carries on. */
function superviseAdoptedGroup(entry: string, servers: SupervisedServer[], deadlineMs: number): Promise<number> {
  const env = readKeptEnvironment((servers[0] as SupervisedServer).pid);
  if (!env) console.error("buntime: the environment was not kept; a process that exits will not be restarted");
  return runGroup(entry, servers, deadlineMs, env, process.env[PROCESS_DIR_VAR]);
}

async function runGroup(
  entry: string,
  servers: SupervisedServer[],
  deadlineMs: number,
  env: Record<string, string> | undefined,
  dir = env?.[PROCESS_DIR_VAR],
): Promise<number> {
  try {
    // Listening before the servers get the go-ahead (superviseGroup sends it): a signal is
    // handled on the event loop, after `group` is set.
    let group: Group | undefined;
    for (const signal of ["SIGTERM", "SIGINT", "SIGHUP"] as const) process.on(signal, () => group?.signal(signal));
    group = superviseGroup({
      servers,
      deadlineMs,
      readySignal: READY_SIGNAL,
      restart: env
        ? async (index) => {
            const { child } = await spawnServer(entry, env, index, false);
            child.disconnect();
            return fromSubprocess(child);
          }
        : undefined,
      onExit: killGroup,
      log: (line) => console.error(line),
    });
    return await group.exited;
  } finally {
    if (dir) rmSync(dir, { recursive: true, force: true });
  }
}

/** A free TCP port on `host` for the group to share (the kernel's pick; free a moment ago). */
function freePort(host: string): number {
  const listener = Bun.listen({ hostname: host, port: 0, socket: { data() {} } });
  const port = listener.port;
  listener.stop(true);
  return port;
}

/**
 * Spawns the server with the minimal environment and hands it the whole one; then, where it can,
 * re-executes this process with the minimal environment (never returning). Otherwise, or when
 * the server exited before taking its environment, supervises it from here.
 */
async function startServer(entry: string, deadlineMs: number): Promise<SupervisedServer> {
  const { child, handedOver } = await spawnServer(entry, { ...process.env } as Record<string, string>);
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
 * Spawns a server with the minimal environment and hands it `env` over IPC (in a group, with its
 * index; process 0 also keeps `env` in its stdin); resolves once it has acknowledged, or exited.
 */
async function spawnServer(entry: string, env: Record<string, string>, index?: number, keep = false) {
  const received = Promise.withResolvers<true>();
  const child = Bun.spawn(serverCommand(entry), {
    env: minimalEnvironment({ [CHILD_FLAG]: "1", [SUPERVISOR_PID]: String(process.pid) }),
    stdin: keep ? keptEnvironment(env) : "inherit",
    stdout: "inherit",
    stderr: "inherit",
    ipc: () => received.resolve(true),
    detached: true, // its own process group (see the header)
  });
  child.send({ env: index === undefined ? env : { ...env, [PROCESS_INDEX_VAR]: String(index) } });
  const handedOver = await Promise.race([received.promise, child.exited.then(() => false)]);
  return { child, handedOver };
}

/**
 * In a re-executed supervisor: the servers it started before the exec, and its deadline;
 * undefined in a fresh one; null when the variables do not name children of this process (its
 * environment is gone with the exec: starting a server now would start one without it).
 */
function adoptedServers(): { servers: SupervisedServer[]; deadlineMs: number } | undefined | null {
  if (process.env[SERVER_PID] === undefined) return undefined;
  const deadlineMs = Number(process.env[DEADLINE_MS]);
  const servers = (process.env[SERVER_PID] ?? "").split(",").map((text) => {
    const pid = Number(text);
    return Number.isInteger(pid) && pid > 0 ? adoptServer(pid) : undefined;
  });
  if (!Number.isFinite(deadlineMs) || servers.some((server) => server === undefined)) return null;
  return { servers: servers as SupervisedServer[], deadlineMs };
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

/** The PASS_THROUGH variables (and PASS_THROUGH_PREFIX ones) this process has, plus `extra`. */
function minimalEnvironment(extra: Record<string, string>): Record<string, string> {
  const env: Record<string, string> = {};
  for (const [key, value] of Object.entries(process.env)) {
    if (value !== undefined && (PASS_THROUGH.includes(key) || key.startsWith(PASS_THROUGH_PREFIX))) env[key] = value;
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
