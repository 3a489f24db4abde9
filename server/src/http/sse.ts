import type { Context } from "hono";
import { type SSEMessage, type SSEStreamingApi, streamSSE } from "hono/streaming";
import type { PoolEvents } from "../pool/events.ts";
import type { WorkerPool } from "../pool/pool.ts";
import { StreamSlots } from "./stream-slots.ts";

const LIFECYCLE: (keyof PoolEvents)[] = ["spawn", "ready", "recycle", "terminate", "crash"];
/**
 * Worker events held for one client that is not reading (its socket full), past which it is cut
 * off (an EventSource reconnects). Stats are snapshots: only the newest unsent one is held.
 */
export const MAX_QUEUED_EVENTS = 1000;

/**
 * The answer to `HEAD` of an event stream: its headers, no stream. Hono answers HEAD with the GET
 * handler's response minus its body, dropped without being cancelled: a stream started for it
 * would run (listeners, timer, a slot) until the process ends.
 */
export function headOfStream(c: Context): Response {
  return c.body(null, 200, { "content-type": "text/event-stream", "cache-control": "no-cache" });
}

/**
 * The sending side of one event stream: `run(next)` writes what `next()` gives, one event at a
 * time as the client takes them, and sleeps while it gives nothing until `wake()` (new events
 * queued) or the client goes (the loop then ends). For streams fed by listeners (`/_/sse`,
 * `/_/logs?follow=1`), which hold what waits in their own bounded queues.
 */
export function eventPump(stream: SSEStreamingApi) {
  let wake: (() => void) | undefined;
  let open = true;
  stream.onAbort(() => {
    open = false;
    wake?.();
  });
  return {
    wake: () => wake?.(),
    async run(next: () => SSEMessage | undefined): Promise<void> {
      while (open) {
        const event = next();
        if (event) {
          await stream.writeSSE(event);
          continue;
        }
        await new Promise<void>((resolve) => {
          wake = resolve;
        });
        wake = undefined;
      }
    },
  };
}

/**
 * `GET /_/sse`: a `stats` event every second and a `worker` event per lifecycle change. The
 * listeners and the timer go away with the client (no leak), whichever way it leaves; a client
 * that stops reading holds at most MAX_QUEUED_EVENTS worker events and one stats snapshot.
 */
export function sseRoute(deps: { pool: WorkerPool; stats: () => unknown; intervalMs?: number }) {
  const intervalMs = deps.intervalMs ?? 1000;
  const slots = new StreamSlots();
  // One snapshot an interval, whichever streams ask: made for each stream, a viewer's 16 open
  // streams cost 185 ms of main-thread CPU a second with 500 apps (the percentiles, the JSON).
  let made: { interval: number; text: string } | undefined;
  const snapshot = (): string => {
    const interval = Math.floor(deps.pool.clock.now() / intervalMs);
    if (made?.interval !== interval) made = { interval, text: JSON.stringify(deps.stats()) };
    return made.text;
  };
  return (c: Context<{ Bindings: { caller?: string } }>) =>
    c.req.method === "HEAD"
      ? headOfStream(c)
      : streamSSE(c, async (stream) => {
          const { pool } = deps;
          // Bounded per caller and in all (stream-slots.ts): each stream costs a snapshot a second.
          const release = slots.take(c.env?.caller, () => void stream.abort());
          const queue: { event: string; data: string }[] = [];
          let stats: string | undefined;
          const pump = eventPump(stream);
          const pushWorker = (data: unknown) => {
            if (queue.length >= MAX_QUEUED_EVENTS) return stream.abort();
            queue.push({ event: "worker", data: JSON.stringify(data) });
            pump.wake();
          };
          const listeners = LIFECYCLE.map((type) => {
            const listener = (payload: object) => pushWorker({ type, ...payload });
            pool.events.on(type, listener);
            return () => pool.events.off(type, listener);
          });
          let timer = pool.clock.setTimeout(function tick() {
            stats = snapshot();
            pump.wake();
            timer = pool.clock.setTimeout(tick, intervalMs);
          }, 0);
          const next = () => {
            const event = queue.shift();
            if (event || stats === undefined) return event;
            const data = stats;
            stats = undefined;
            return { event: "stats", data };
          };
          try {
            await pump.run(next);
          } finally {
            release();
            pool.clock.clearTimeout(timer);
            for (const off of listeners) off();
          }
        });
}
