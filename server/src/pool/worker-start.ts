import type { BuntimeError } from "../errors.ts";
import { realClock } from "./clock.ts";
import { Timers } from "./timing.ts";

/**
 * One worker's start, on the host side: the spawn permit it holds while loading (the pool caps
 * concurrent starts: bursts of spawns have crashed Bun), its `ready` promise, and the deadline
 * for loading the app (real time: the thread loads in real time). It settles once, whichever
 * comes first: the app loaded, failed to load, or the worker crashed or ended while loading.
 */
export class WorkerStart {
  /** Resolves when the app is loaded; rejects with WORKER_START_FAILED. */
  readonly ready: Promise<void>;
  #resolve!: () => void;
  #reject!: (error: BuntimeError) => void;
  #release: (() => void) | undefined;
  #settled = false;
  readonly #timers = new Timers(realClock);

  constructor() {
    this.ready = new Promise((resolve, reject) => {
      this.#resolve = resolve;
      this.#reject = reject;
    });
    this.ready.catch(() => {}); // observed by whoever waits for this worker
  }

  /** Whether the start is over (loaded, failed, crashed): a worker may be terminated only then. */
  get settled(): boolean {
    return this.#settled;
  }

  /** The spawn permit came: held until the start settles or the worker ends. */
  permitted(release: () => void): void {
    this.#release = release;
  }

  /** `onLate` runs when the start has not settled within `ms`. */
  deadline(ms: number, onLate: () => void): void {
    this.#timers.set("start", ms, onLate);
  }

  /** The app loaded: `ready` resolves. False when the start had settled already. */
  succeed(): boolean {
    if (!this.#settle()) return false;
    this.#resolve();
    return true;
  }

  /** The start failed: `ready` rejects with `error`. False when it had settled already. */
  fail(error: BuntimeError): boolean {
    if (!this.#settle()) return false;
    this.#reject(error);
    return true;
  }

  /** The worker ended: the deadline cleared, the permit freed, a start still pending failed with `error`. */
  end(error: BuntimeError): void {
    this.#timers.clearAll();
    this.#release?.();
    this.#reject(error);
  }

  #settle(): boolean {
    if (this.#settled) return false;
    this.#settled = true;
    this.#timers.clear("start");
    this.#release?.();
    return true;
  }
}
