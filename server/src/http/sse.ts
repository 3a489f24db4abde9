import type { Context } from "hono";
import { streamSSE } from "hono/streaming";
import type { PoolEvents } from "../pool/events.ts";
import type { WorkerPool } from "../pool/pool.ts";

const LIFECYCLE: (keyof PoolEvents)[] = ["spawn", "ready", "recycle", "terminate", "crash"];

/**
 * `GET /_/sse`: a `stats` event every second and a `worker` event per lifecycle change. The
 * listeners and the timer go away with the client (no leak), whichever way it leaves.
 */
export function sseRoute(deps: { pool: WorkerPool; stats: () => unknown; intervalMs?: number }) {
  const intervalMs = deps.intervalMs ?? 1000;
  return (c: Context) =>
    streamSSE(c, async (stream) => {
      const { pool } = deps;
      const queue: { event: string; data: string }[] = [];
      let wake: (() => void) | undefined;
      const push = (event: string, data: unknown) => {
        queue.push({ event, data: JSON.stringify(data) });
        wake?.();
      };
      const listeners = LIFECYCLE.map((type) => {
        const listener = (payload: object) => push("worker", { type, ...payload });
        pool.events.on(type, listener);
        return () => pool.events.off(type, listener);
      });
      let timer = pool.clock.setTimeout(function tick() {
        push("stats", deps.stats());
        timer = pool.clock.setTimeout(tick, intervalMs);
      }, 0);
      let open = true;
      stream.onAbort(() => {
        open = false;
        wake?.();
      });
      try {
        while (open) {
          const next = queue.shift();
          if (next) {
            await stream.writeSSE(next);
            continue;
          }
          await new Promise<void>((resolve) => {
            wake = resolve;
          });
          wake = undefined;
        }
      } finally {
        pool.clock.clearTimeout(timer);
        for (const off of listeners) off();
      }
    });
}
