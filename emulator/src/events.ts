import type { PoolEmitter, PoolEvents } from "@buntime/server";

/** The pool's events the emulator reports (not its log lines, nor an abandoned thread's notice). */
type Reported = "spawn" | "ready" | "recycle" | "terminate" | "crash";

/** A lifecycle event as the emulator reports it. */
export type LifecycleEvent = {
  [K in Reported]: { type: K } & PoolEvents[K][0];
}[Reported];

const TYPES: Reported[] = ["spawn", "ready", "recycle", "terminate", "crash"];

/**
 * Lifecycle events as an async iterable: each `for await` sees the events from the moment it
 * starts, and ends when `closed` resolves (the emulator is disposed).
 */
export function lifecycleEvents(events: PoolEmitter, closed: Promise<void>): AsyncIterable<LifecycleEvent> {
  return {
    [Symbol.asyncIterator]() {
      const queue: LifecycleEvent[] = [];
      let wake: (() => void) | undefined;
      let done = false;
      const offs = TYPES.map((type) => {
        const listener = (payload: object) => {
          queue.push({ type, ...payload } as LifecycleEvent);
          wake?.();
        };
        events.on(type, listener);
        return () => events.off(type, listener);
      });
      const finish = () => {
        done = true;
        for (const off of offs) off();
        wake?.();
      };
      void closed.then(finish);
      return {
        async next(): Promise<IteratorResult<LifecycleEvent>> {
          while (queue.length === 0 && !done) {
            await new Promise<void>((resolve) => {
              wake = resolve;
            });
            wake = undefined;
          }
          const value = queue.shift();
          return value ? { value, done: false } : { value: undefined, done: true };
        },
        async return(): Promise<IteratorResult<LifecycleEvent>> {
          finish();
          return { value: undefined, done: true };
        },
      };
    },
  };
}
