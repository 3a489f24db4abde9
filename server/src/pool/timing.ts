import type { Clock, TimerHandle } from "./clock.ts";

/** Host-side timing knobs of the pool; defaults suit production, tests shrink them. */
export interface PoolTiming {
  /** How often a live worker is pinged (liveness and memory). Default 1000 ms. */
  heartbeatMs: number;
  /** After a request times out, how long the worker has to answer a ping before it is killed. Default 500 ms. */
  probeMs: number;
  /** How long `onTerminate` may run before the worker is terminated anyway. Default 2000 ms. */
  stopGraceMs: number;
  /**
   * How long a terminated thread has to close before it is abandoned. `terminate()` cannot stop
   * a thread blocked in a system call (a sleep, a child process, a read on a pipe): such a
   * thread is dropped from the pool's accounting and counted as leaked until it does close, or
   * the process exits. Default 1000 ms (a thread running JavaScript closes in milliseconds).
   */
  closeWaitMs: number;
  /**
   * How long a draining worker (recycled, removed, the server stopping) keeps its open
   * WebSockets before closing them with 1012. The server sets SHUTDOWN_TIMEOUT. Default 10 000 ms.
   */
  socketGraceMs: number;
  /** Most workers starting at once, pool-wide (bursts of spawns have crashed Bun). Default 4. */
  maxConcurrentSpawns: number;
  /** First crash-loop backoff after a failed start; doubles per failure. Default 1000 ms. */
  backoffBaseMs: number;
  /** Longest crash-loop backoff. Default 30 000 ms. */
  backoffMaxMs: number;
}

export const DEFAULT_TIMING: PoolTiming = {
  heartbeatMs: 1000,
  probeMs: 500,
  stopGraceMs: 2000,
  closeWaitMs: 1000,
  socketGraceMs: 10_000,
  maxConcurrentSpawns: 4,
  backoffBaseMs: 1000,
  backoffMaxMs: 30_000,
};

/** Named one-shot timers on a clock; setting a name again replaces its timer. */
export class Timers {
  readonly #clock: Clock;
  readonly #handles = new Map<string, TimerHandle>();

  constructor(clock: Clock) {
    this.#clock = clock;
  }

  set(name: string, ms: number, callback: () => void): void {
    this.clear(name);
    this.#handles.set(
      name,
      this.#clock.setTimeout(() => {
        this.#handles.delete(name);
        callback();
      }, ms),
    );
  }

  clear(name: string): void {
    this.#clock.clearTimeout(this.#handles.get(name));
    this.#handles.delete(name);
  }

  has(name: string): boolean {
    return this.#handles.has(name);
  }

  clearAll(): void {
    for (const handle of this.#handles.values()) this.#clock.clearTimeout(handle);
    this.#handles.clear();
  }
}

/** Crash-loop backoff after `failures` consecutive failed starts (pure). */
export function backoffMs(failures: number, timing: Pick<PoolTiming, "backoffBaseMs" | "backoffMaxMs">): number {
  if (failures <= 0) return 0;
  return Math.min(timing.backoffMaxMs, timing.backoffBaseMs * 2 ** (failures - 1));
}

/** A counting gate: at most `limit` holders at once; the rest wait in order. */
export class Gate {
  #free: number;
  readonly #waiting: (() => void)[] = [];

  constructor(limit: number) {
    this.#free = limit;
  }

  /** Resolves with a release function once a place is free. */
  async acquire(): Promise<() => void> {
    if (this.#free > 0) this.#free--;
    else await new Promise<void>((resolve) => this.#waiting.push(resolve));
    let released = false;
    return () => {
      if (released) return;
      released = true;
      const next = this.#waiting.shift();
      if (next) next();
      else this.#free++;
    };
  }
}
