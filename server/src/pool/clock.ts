/**
 * The one source of time and timers for the host side of the pool. Production uses
 * `realClock`; the emulator injects a virtual one to drive lifecycles in milliseconds.
 */
export interface Clock {
  /** Milliseconds, monotonic. */
  now(): number;
  setTimeout(callback: () => void, ms: number): TimerHandle;
  clearTimeout(handle: TimerHandle | undefined): void;
}

/** Opaque to callers: whatever the clock uses to identify a timer. */
export type TimerHandle = { readonly __timer: unique symbol } | object;

/**
 * The longest delay a runtime timer takes: past it (about 24.8 days) `setTimeout` fires after
 * 1 ms, and a yearly schedule re-armed from there fired in a loop, hundreds of runs a second.
 */
export const MAX_TIMER_MS = 2 ** 31 - 1;

/** A timer longer than MAX_TIMER_MS, run in legs: its handle is the leg under way. */
class LongTimer {
  current: ReturnType<typeof setTimeout> | undefined;

  constructor(callback: () => void, ms: number) {
    const due = performance.now() + ms;
    const leg = (wait: number) => {
      this.current = setTimeout(
        () => {
          const left = due - performance.now();
          if (left > 1) leg(left);
          else callback();
        },
        Math.min(wait, MAX_TIMER_MS),
      );
      this.current.unref?.();
    };
    leg(ms);
  }
}

/** Wall-clock time; timers never keep the process alive on their own. */
export const realClock: Clock = {
  now: () => performance.now(),
  setTimeout(callback, ms) {
    if (ms > MAX_TIMER_MS) return new LongTimer(callback, ms) as unknown as TimerHandle;
    const timer = setTimeout(callback, ms);
    timer.unref?.();
    return timer as unknown as TimerHandle;
  },
  clearTimeout(handle) {
    if (handle instanceof LongTimer) clearTimeout(handle.current);
    else if (handle !== undefined) clearTimeout(handle as unknown as ReturnType<typeof setTimeout>);
  },
};
