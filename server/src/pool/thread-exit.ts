import type { VersionKey } from "../apps/version-key.ts";
import type { Logger } from "../util/log.ts";
import { realClock } from "./clock.ts";
import type { PoolCounters } from "./counters.ts";
import type { StopReason } from "./events.ts";
import { type PoolTiming, Timers } from "./timing.ts";
import type { Transport } from "./transport.ts";

export interface ThreadExitDeps {
  key: VersionKey;
  workerId: number;
  logger: Logger;
  timing: PoolTiming;
  /** The pool's counters: an abandoned thread bumps `abandoned` and `leakedThreads`. */
  counters: PoolCounters;
  /** Why the worker is going, for the abandonment's log line. */
  reason(): StopReason | undefined;
  /** The worker already ended (its `close` came first): nothing to abandon. */
  ended(): boolean;
  /** The thread was given up on: the worker ends in the pool's eyes. */
  onAbandon(abandoned: { requests: number }): void;
}

/**
 * How one worker's thread (or process) is made to go, on the host side: the `onTerminate`
 * grace, `terminate()` once, and the wait for its `close`. A thread blocked in a system call
 * ignores `terminate()`, so one that has not closed `closeWaitMs` after it (or, still loading,
 * after a shutdown's kill) is abandoned (see `abandon`). Its timers run in real time: the
 * thread does.
 */
export class ThreadExit {
  /** Requests in flight when `kill` cut them off (reported if the thread is abandoned). */
  killedInFlight = 0;
  readonly #deps: ThreadExitDeps;
  readonly #timers = new Timers(realClock);
  /** `terminate()` was called on the thread (once: then `close`, or abandonment, is awaited). */
  #terminateSent = false;

  constructor(deps: ThreadExitDeps) {
    this.#deps = deps;
  }

  /** Graceful end: `sendStop` asks for the app's `onTerminate`; `terminate` runs past `stopGraceMs`. */
  stop(sendStop: () => void, terminate: () => void): void {
    this.#timers.set("stop", this.#deps.timing.stopGraceMs, terminate);
    sendStop();
  }

  /**
   * Terminates the thread (once); `close` should follow within milliseconds, else past
   * `closeWaitMs` it is abandoned. Without a thread (never opened) only the grace is cleared.
   */
  terminate(worker: Transport | undefined): void {
    this.#timers.clear("stop");
    if (!worker || this.#terminateSent) return;
    this.#terminateSent = true;
    worker.terminate();
    this.awaitClose();
  }

  /**
   * A thread abandoned while it loaded (a kill cannot terminate a loading thread: that has crashed
   * Bun) has reported, loaded or failed: terminate it now, or it runs on for good (its timers, its
   * process kept alive). Its `close` then ends the abandonment (`closedAfterAbandon`).
   */
  terminateLate(worker: Transport | undefined): void {
    if (!worker || this.#terminateSent) return;
    this.#terminateSent = true;
    worker.terminate();
  }

  /** Gives the thread `closeWaitMs` to go (or, still loading, to report), then abandons it. */
  awaitClose(): void {
    this.#timers.set("close-wait", this.#deps.timing.closeWaitMs, () => this.#abandon());
  }

  /** The worker ended: nothing more to wait for. */
  clear(): void {
    this.#timers.clearAll();
  }

  /** An abandoned thread came back from its system call and ended after all. */
  closedAfterAbandon(): void {
    this.#deps.counters.leakedThreads--;
    this.#deps.logger.info("abandoned worker thread closed", { app: this.#deps.key, worker: this.#deps.workerId });
  }

  /**
   * Gives up on a thread that did not close after `terminate()` (or, still loading, after a
   * shutdown's kill): it is blocked where JavaScript cannot reach it (`Bun.sleepSync`,
   * `execSync`, a read on a FIFO, a write to a full pipe). It ends in the pool's eyes: no
   * request reaches it, it counts against nothing, `closed` resolves; `counters.leakedThreads`
   * shows it until its `close` does come, or the process exits and ends it. (Thread isolation
   * cannot do more; the process isolation mode kills what a thread cannot be forced out of.)
   */
  #abandon(): void {
    if (this.#deps.ended()) return;
    const { counters, logger, key, workerId, timing } = this.#deps;
    counters.abandoned++;
    counters.leakedThreads++;
    logger.error("worker thread did not close after terminate (blocked in a system call?); abandoned", {
      app: key,
      worker: workerId,
      reason: this.#deps.reason(),
      requests: this.killedInFlight,
      closeWaitMs: timing.closeWaitMs,
    });
    this.#deps.onAbandon({ requests: this.killedInFlight });
  }
}
