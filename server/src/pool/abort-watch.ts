import { IdTable } from "../util/id-table.ts";
import { realClock } from "./clock.ts";
import type { Exchange } from "./exchange.ts";
import { Timers } from "./timing.ts";

/** A request unanswered this long starts listening for its client going away. */
const ABORT_WATCH_MS = 1000;

/**
 * Client disconnects, cheaply. Reading `request.signal` makes Bun track the request's abort,
 * which costs more than the rest of the proxying (measured ~4 µs of ~25), and almost every
 * request is answered well within a second. So only requests still unanswered after
 * ABORT_WATCH_MS listen for their client going away; streamed bodies are cancelled by Bun
 * directly when the client leaves. Real time: it is about the socket, not the lifecycle.
 */
export class AbortWatch {
  /** By exchange id (the order they arrived): the exchange and its client's request. */
  readonly #pending = new IdTable<{ exchange: Exchange; request: Request }>();
  readonly #timers = new Timers(realClock);

  /** Watches `exchange` for its client's `request` going away (from ABORT_WATCH_MS on). */
  add(exchange: Exchange, request: Request): void {
    this.#pending.set(exchange.id, { exchange, request });
    this.#arm();
  }

  /** The exchange ended: nothing to watch. */
  delete(exchange: Exchange): void {
    this.#pending.delete(exchange.id);
  }

  stop(): void {
    this.#timers.clearAll();
    this.#pending.clear();
  }

  #arm(): void {
    if (this.#timers.has("aborts")) return;
    this.#timers.set("aborts", ABORT_WATCH_MS, () => {
      const old = realClock.now() - ABORT_WATCH_MS;
      // Arrival order: the first young exchange ends the sweep.
      for (const { exchange, request } of this.#pending.values()) {
        if (exchange.startedAt > old) break;
        // Ended meanwhile (an abort in this sweep can end others, or the watch stopped): skip.
        if (!this.#pending.delete(exchange.id)) continue;
        const { signal } = request;
        if (signal.aborted) exchange.abort("client went away");
        else signal.addEventListener("abort", () => exchange.abort("client went away"), { once: true });
      }
      if (this.#pending.size > 0) this.#arm();
    });
  }
}
