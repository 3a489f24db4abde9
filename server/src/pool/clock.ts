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

/** Wall-clock time; timers never keep the process alive on their own. */
export const realClock: Clock = {
  now: () => performance.now(),
  setTimeout(callback, ms) {
    const timer = setTimeout(callback, ms);
    timer.unref?.();
    return timer as unknown as TimerHandle;
  },
  clearTimeout(handle) {
    if (handle !== undefined) clearTimeout(handle as unknown as ReturnType<typeof setTimeout>);
  },
};
