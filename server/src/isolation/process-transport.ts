/**
 * `isolation: "process"`: a worker is a Bun child process running the same guest entry as a
 * thread. The host's and the guest's posts (`Wire`s) cross as length-prefixed frames on a socket
 * pair, the child's fd 3 (`protocol/frames.ts` says why not Bun's IPC channel): a frame the host
 * cannot read, or the channel closed while the process lives on, ends that worker, never the host.
 *
 * The child starts with exactly the app's `env`, its version folder as working directory, in a
 * process group of its own (`detached`), as the sandbox's user when there is one, in a memory
 * cgroup when `maxMemory` is set and the machine offers one. Terminating it kills its whole
 * process group (and every process left in its cgroup), so nothing it started outlives it.
 */
import { closeSync } from "node:fs";
import { fileURLToPath } from "node:url";
import type { AppVersion } from "../apps/config.ts";
import { GUEST_ENTRY, GUEST_ENTRY_SOURCE } from "../guest/paths.ts";
import type { OpenTransport, Transport, TransportHandlers } from "../pool/transport.ts";
import { CHANNEL_ARG, frameChannel } from "../protocol/frames.ts";
import { ProtocolError, type Wire } from "../protocol/protocol.ts";
import type { AppRuntime } from "./app-runtime.ts";
import { hardLimitBytes, type MemoryCage, type MemoryLimiter } from "./memory.ts";

/** What a process worker needs from the isolation set-up (`isolation.ts`). */
export interface ProcessSandbox {
  /** The uid and gid for `app`'s processes (undefined: the server's own). Prepares its folder. */
  identity(app: AppVersion): { uid: number; gid: number } | undefined;
  memory: MemoryLimiter;
  /** Bun, the guest entry and the preloads as files the app user reaches (undefined: the server's own). */
  runtime?: AppRuntime;
}

let nextCage = 1;

/** Sends SIGKILL to process group `pgid` and to `pids`; gone already is fine. */
function killAll(pgid: number, pids: number[]): void {
  for (const target of [-pgid, ...pids]) {
    try {
      process.kill(target, "SIGKILL");
    } catch {
      // ESRCH: already gone
    }
  }
}

/** How a child ended, for the crash's log line and 502 message. */
function describeExit(
  code: number | null,
  signal: NodeJS.Signals | number | null,
  oom: boolean,
  limited: boolean,
): string {
  if (oom && limited) return "the worker process was killed by the kernel at its memory limit (maxMemory)";
  if (oom)
    return "the worker process was killed by the kernel's OOM killer (the machine or container ran out of memory)";
  if (signal) return `the worker process was killed by ${signal}`;
  return `the worker process exited with code ${code}`;
}

/** Whether this server can start process workers: not from a compiled binary (see below). */
export const PROCESS_WORKERS = !GUEST_ENTRY.startsWith("./");

export function processTransport(sandbox: ProcessSandbox): OpenTransport {
  if (!PROCESS_WORKERS) {
    // A compiled binary embeds the guest: there is no file a child `bun` could run.
    return () => {
      throw new Error('isolation "process" needs the server run by bun from its sources, not a compiled binary');
    };
  }
  const entry = { run: fileURLToPath(GUEST_ENTRY), source: fileURLToPath(GUEST_ENTRY_SOURCE) };
  return (app, handlers, preload) => open(app, handlers, preload, entry, sandbox);
}

function open(
  app: AppVersion,
  handlers: TransportHandlers,
  preload: string[],
  entry: { run: string; source: string },
  sandbox: ProcessSandbox,
): Transport {
  const { config } = app;
  const identity = sandbox.identity(app);
  // A cgroup whenever the machine offers one, a limit in it when maxMemory is set: what the worker
  // starts, even in a session of its own (`setsid`), is found there and ends with it. Without a
  // limit asked for, a cgroup that cannot be made only loses that (the app still starts).
  const limited = config.maxMemory !== undefined;
  const name = `w${nextCage++}`;
  let cage: MemoryCage | undefined;
  if (limited) cage = sandbox.memory.cage(name, hardLimitBytes(config.maxMemory as number));
  else {
    try {
      cage = sandbox.memory.cage(name);
    } catch {
      cage = undefined;
    }
  }
  let exited = false;
  /** Ends the worker and everything it started: its process group and its cgroup's members. */
  const kill = () => killAll(child.pid, cage?.members() ?? []);
  const { runtime } = sandbox;
  const args = [runtime?.bun() ?? process.execPath, ...(config.lowMemory ? ["--smol"] : [])];
  for (const module of preload) args.push("--preload", runtime?.module(module) ?? module);
  // The runtime folder's copy is bundled from the sources: it must hold static.ts too, which the
  // prebuilt entry leaves out, and Bun does not bundle a bundle again (the output is empty).
  args.push(runtime ? runtime.module(entry.source) : entry.run, CHANNEL_ARG);
  let child: ReturnType<typeof Bun.spawn>;
  try {
    child = Bun.spawn(cage?.wrap(args) ?? args, {
      env: { ...config.env },
      cwd: app.dir,
      detached: true,
      // fd 3: the channel, a socket pair whose host end `child.stdio[3]` is this process's to close.
      stdio: ["ignore", "inherit", "inherit", "pipe"],
      ...(identity ?? {}),
      onExit: (_subprocess, code, signal) => {
        exited = true;
        const oom = cage?.oomKilled() ?? false;
        // What it started may live on in its group (or, detached again, in its cgroup).
        kill();
        cage?.release();
        channel.close();
        handlers.onClose(describeExit(code, signal, oom, limited));
      },
    });
  } catch (error) {
    cage?.release();
    throw error;
  }
  const channel = openChannel(child.stdio[3] as number, {
    onWire: (wire) => {
      if (!exited) handlers.onMessage(wire);
    },
    // The worker broke the framing: it speaks the protocol no more.
    onFault: (message) => {
      if (exited) return;
      handlers.onError(message);
      kill();
    },
    // Exiting (onExit says how), or alive with its channel closed: it can take nothing more.
    onHangUp: () => {
      if (!exited) kill();
    },
  });
  // Caged before the app is loaded: the guest imports it only on `init`, posted after this.
  try {
    cage?.enter(child.pid);
  } catch (error) {
    if (limited) {
      killAll(child.pid, []);
      throw new Error(`could not put the worker in its memory cgroup: ${(error as Error).message}`);
    }
  }
  return {
    post: (data: Wire) => {
      if (!exited) channel.send(data);
    },
    terminate: () => {
      if (!exited) kill();
    },
  };
}

/**
 * The host's end of a worker's channel: frames out (`send`), frames in (`onWire`), then once
 * `onFault` when what arrives is not frames, or `onHangUp` when the worker's end closed.
 */
function openChannel(
  fd: number,
  handlers: { onWire(wire: Wire): void; onFault(message: string): void; onHangUp(): void },
): { send(wire: Wire): void; close(): void } {
  const channel = frameChannel(fd);
  let closed = false;
  channel.read(handlers.onWire).then(
    () => closed || handlers.onHangUp(),
    (error) => {
      if (closed) return;
      // A frame the host cannot read is the worker's fault; a read that fails (ECONNRESET: the
      // process was killed, by the OOM killer too) is its end going away, which onExit explains.
      if (error instanceof ProtocolError) handlers.onFault(`protocol violation: ${error.message}`);
      else handlers.onHangUp();
    },
  );
  return {
    send(wire) {
      if (closed) return;
      try {
        channel.send(wire).catch(() => {}); // a closed channel: onExit follows
      } catch {
        // the channel closed under it: onExit follows
      }
    },
    close() {
      if (closed) return;
      closed = true;
      channel.close();
      closeSync(fd); // ours to close: Bun leaves `stdio[3]` to its caller
    },
  };
}
