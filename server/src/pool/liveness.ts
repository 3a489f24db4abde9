import { realClock } from "./clock.ts";
import { Timers } from "./timing.ts";

export interface LivenessOptions {
  /** Sends `ping` number `seq` to the worker. */
  ping: (seq: number) => void;
  /** No pong came in time: the worker's event loop is stuck. */
  onUnresponsive: () => void;
  /** How often to ping. */
  heartbeatMs: number;
  /** How long a heartbeat ping may go unanswered (the app's `timeout`). */
  heartbeatDeadlineMs: number;
}

/**
 * Is the worker's event loop alive? A heartbeat pings every `heartbeatMs` and allows
 * `heartbeatDeadlineMs` for the answer; `probe(ms)` asks sooner with a shorter deadline (after a
 * request timed out). Real time always: it watches a real thread, even when the emulator's
 * lifecycle clock is virtual.
 */
export class Liveness {
  readonly #options: LivenessOptions;
  readonly #timers = new Timers(realClock);
  #seq = 0;
  #sentAt: number | undefined;
  #deadline: number | undefined;

  constructor(options: LivenessOptions) {
    this.#options = options;
  }

  /** Starts the heartbeat. */
  start(): void {
    this.#timers.set("heartbeat", this.#options.heartbeatMs, () => {
      this.probe(this.#options.heartbeatDeadlineMs);
      this.start();
    });
  }

  /** Sends a ping unless one is out; declares the worker unresponsive if no pong comes within `deadlineMs`. */
  probe(deadlineMs: number): void {
    const now = realClock.now();
    if (this.#sentAt === undefined) {
      this.#sentAt = now;
      this.#options.ping(++this.#seq);
    }
    const deadline = this.#sentAt + deadlineMs;
    // An earlier deadline (a timed-out request's probe) replaces a later one (the heartbeat's).
    if (this.#deadline !== undefined && this.#deadline <= deadline) return;
    this.#deadline = deadline;
    this.#timers.set("probe", Math.max(0, deadline - now), () => {
      this.#deadline = undefined;
      if (this.#sentAt !== undefined) this.#options.onUnresponsive();
    });
  }

  /** The worker answered ping `seq` (0: an unsolicited memory report, not an answer). */
  pong(seq: number): void {
    if (seq === 0 || seq !== this.#seq) return;
    this.#sentAt = undefined;
    this.#deadline = undefined;
    this.#timers.clear("probe");
  }

  /** Stops every timer. */
  stop(): void {
    this.#timers.clearAll();
  }
}
