/**
 * The supervisor's side of BUNTIME_PROCESSES > 1 (docs/cluster.md#processes): it watches the
 * group's server processes, restarts one that exits on its own with a backoff (`backoff.ts`), and
 * on SIGTERM/SIGINT forwards the signal to every one and kills those still running at the
 * deadline. A process exiting with status 2 (an invalid environment or config: every restart
 * would fail the same way) stops the whole group instead. The timers here are real time, as the
 * supervisor's are: no pool or clock lives in this process.
 */
import type { SupervisedServer } from "../supervised-server.ts";
import { nextCrashCount, restartDelayMs } from "./backoff.ts";

/** The server's exit status for an invalid environment, config or required plugin (`index.ts`). */
const CONFIG_ERROR_STATUS = 2;

/** What `superviseGroup` needs. */
export interface GroupOptions {
  /** The processes already started, by index. */
  servers: SupervisedServer[];
  /** Milliseconds after the first SIGTERM/SIGINT when processes still running are killed. */
  deadlineMs: number;
  /**
   * Starts a new process for `index` (its environment handed over); undefined when this
   * supervisor cannot (it holds no environment), and a crashed process is then not replaced.
   */
  restart: ((index: number) => Promise<SupervisedServer>) | undefined;
  /** Sent to each process once the supervisor forwards signals to it (the server then serves). */
  readySignal: NodeJS.Signals;
  /** Called once a process has exited, with its pid (to end what its apps left behind). */
  onExit(pid: number): void;
  /** One line for the operator (stderr). */
  log(line: string): void;
  /** Monotonic milliseconds; `performance.now` unless a test gives its own. */
  now?: () => number;
}

interface Slot {
  server: SupervisedServer | undefined;
  startedAt: number;
  crashes: number;
  /** A restart waiting for its delay, or starting. */
  pending: boolean;
  timer: ReturnType<typeof setTimeout> | undefined;
}

/** A supervised group. */
export interface Group {
  /**
   * Resolves once every process has exited after a signal (or after a configuration error, or,
   * when the group cannot restart, after each has exited), with the worst exit status seen then
   * (0 when all exited cleanly).
   */
  readonly exited: Promise<number>;
  /** SIGTERM/SIGINT: stop every process (no more restarts); SIGHUP: pass it on. */
  signal(signal: "SIGTERM" | "SIGINT" | "SIGHUP"): void;
}

/**
 * Supervises `options.servers`, sending each the ready signal.
 * @example
 * const group = superviseGroup({ servers, deadlineMs, restart, readySignal: "SIGUSR2", onExit, log });
 * process.on("SIGTERM", () => group.signal("SIGTERM"));
 * process.exit(await group.exited);
 */
export function superviseGroup(options: GroupOptions): Group {
  const now = options.now ?? (() => performance.now());
  const done = Promise.withResolvers<number>();
  const slots: Slot[] = options.servers.map(() => ({
    server: undefined,
    startedAt: 0,
    crashes: 0,
    pending: false,
    timer: undefined,
  }));
  let stopping = false;
  let status = 0;
  let deadline: ReturnType<typeof setTimeout> | undefined;

  const settle = () => {
    if (slots.some((slot) => slot.server || slot.pending)) return;
    clearTimeout(deadline);
    done.resolve(status);
  };

  const stop = (signal: NodeJS.Signals) => {
    stopping = true;
    for (const slot of slots) {
      if (slot.timer) {
        clearTimeout(slot.timer);
        slot.timer = undefined;
        slot.pending = false;
      }
      slot.server?.kill(signal);
    }
    // Each server keeps its own deadline; this one holds even if a server's main thread cannot.
    deadline ??= setTimeout(() => {
      for (const slot of slots) slot.server?.kill("SIGKILL");
    }, options.deadlineMs);
    settle();
  };

  const watch = (index: number, server: SupervisedServer) => {
    const slot = slots[index] as Slot;
    slot.server = server;
    slot.startedAt = now();
    void server.exited.then((code) => exited(index, server, code));
  };

  const exited = (index: number, server: SupervisedServer, code: number) => {
    const slot = slots[index] as Slot;
    options.onExit(server.pid);
    slot.server = undefined;
    if (stopping) {
      status = Math.max(status, code);
    } else if (code === CONFIG_ERROR_STATUS) {
      options.log(`buntime: process ${index} (pid ${server.pid}) exited with status 2; stopping the others`);
      status = code;
      stop("SIGTERM");
    } else if (!options.restart) {
      options.log(`buntime: process ${index} (pid ${server.pid}) exited with status ${code}; it cannot be restarted`);
      status = Math.max(status, code);
    } else {
      slot.crashes = nextCrashCount(slot.crashes, now() - slot.startedAt);
      const delay = restartDelayMs(slot.crashes);
      options.log(
        `buntime: process ${index} (pid ${server.pid}) exited with status ${code}; restarting it in ${delay} ms`,
      );
      slot.pending = true;
      slot.timer = setTimeout(() => void replace(index), delay);
    }
    settle();
  };

  const replace = async (index: number) => {
    const slot = slots[index] as Slot;
    slot.timer = undefined;
    let server: SupervisedServer;
    try {
      server = await (options.restart as (index: number) => Promise<SupervisedServer>)(index);
    } catch (error) {
      slot.pending = false;
      options.log(`buntime: process ${index} could not be started: ${error}`);
      if (!stopping) {
        // Counted as one more quick crash: the backoff grows as it would for a crash.
        slot.pending = true;
        slot.crashes += 1;
        slot.timer = setTimeout(() => void replace(index), restartDelayMs(slot.crashes));
      }
      settle();
      return;
    }
    slot.pending = false;
    watch(index, server);
    // A signal that came while it started: it is already part of the shutdown.
    server.kill(stopping ? "SIGTERM" : options.readySignal);
  };

  options.servers.forEach((server, index) => {
    watch(index, server);
    server.kill(options.readySignal);
  });
  return {
    exited: done.promise,
    signal(signal) {
      if (signal === "SIGHUP") for (const slot of slots) slot.server?.kill("SIGHUP");
      else stop(signal);
    },
  };
}
