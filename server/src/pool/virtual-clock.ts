import type { Clock, TimerHandle } from "./clock.ts";

interface VirtualTimer {
  id: number;
  at: number;
  callback: () => void;
}

/**
 * A clock whose time moves only when told: `advance(ms)` fires every timer that falls due, in
 * order of due time (then of creation), awaiting `settle()` after each so the pool's reactions
 * (a drain, a worker's `close`, a queued request handed on) happen before the next timer.
 * Worker threads keep real time; only the host's lifecycle decisions read this clock.
 */
export class VirtualClock implements Clock {
  #now: number;
  #nextId = 1;
  readonly #timers = new Map<number, VirtualTimer>();
  /** Awaited after every fired timer; the emulator makes it wait for the pool to settle. */
  settle: () => Promise<void> = () => new Promise((resolve) => setImmediate(resolve));

  constructor(start = 0) {
    this.#now = start;
  }

  now(): number {
    return this.#now;
  }

  setTimeout(callback: () => void, ms: number): TimerHandle {
    const id = this.#nextId++;
    this.#timers.set(id, { id, at: this.#now + Math.max(0, ms), callback });
    return { id };
  }

  clearTimeout(handle: TimerHandle | undefined): void {
    if (handle && "id" in handle) this.#timers.delete((handle as { id: number }).id);
  }

  /** Timers waiting to fire. */
  get pending(): number {
    return this.#timers.size;
  }

  /** Moves time forward by `ms`, firing every timer due by then, in order. */
  async advance(ms: number): Promise<void> {
    // Finite too: Infinity set the clock to Infinity, and a seconds cron then fired forever.
    if (!(ms >= 0 && Number.isFinite(ms)))
      throw new RangeError(`advance(ms) needs a finite non-negative number, got ${ms}`);
    const target = this.#now + ms;
    await this.settle();
    for (let next = this.#due(target); next; next = this.#due(target)) {
      this.#timers.delete(next.id);
      this.#now = next.at;
      next.callback();
      await this.settle();
    }
    this.#now = target;
    await this.settle();
  }

  /** Fires the timers due now (zero-delay ones included) and waits for the pool to settle. */
  runUntilIdle(): Promise<void> {
    return this.advance(0);
  }

  #due(target: number): VirtualTimer | undefined {
    let best: VirtualTimer | undefined;
    for (const timer of this.#timers.values()) {
      if (timer.at > target) continue;
      if (!best || timer.at < best.at || (timer.at === best.at && timer.id < best.id)) best = timer;
    }
    return best;
  }
}
