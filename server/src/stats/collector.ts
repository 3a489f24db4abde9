import type { RequestEndEvent } from "@buntime/sdk";
import type { PoolEmitter } from "../pool/events.ts";
import { LatencyWindow } from "./latency.ts";

/** Counters the pool bumps as it hands out work. */
export interface PoolCounters {
  /** Requests that found a free worker at once. */
  hits: number;
  /** Requests that had to wait (for a slot or a new worker). */
  misses: number;
  /** Versions evicted to keep within POOL_SIZE. */
  evictions: number;
  /** Workers whose thread did not close after `terminate()` and was given up on (blocked in a system call). */
  abandoned: number;
  /** Abandoned threads still running now: threads leaked until they return or the process exits. */
  leakedThreads: number;
}

export const newPoolCounters = (): PoolCounters => ({
  hits: 0,
  misses: 0,
  evictions: 0,
  abandoned: 0,
  leakedThreads: 0,
});

/**
 * The runtime's own numbers behind `/_/metrics` (JSON): requests by status class, runtime
 * errors by code, latency percentiles, and the pool's lifecycle counts.
 */
export class StatsCollector {
  readonly latency = new LatencyWindow();
  readonly #byStatus: Record<string, number> = {};
  readonly #errorsByCode: Record<string, number> = {};
  readonly #lifecycle = {
    spawns: 0,
    crashes: 0,
    recycles: {} as Record<string, number>,
    terminations: {} as Record<string, number>,
  };
  #requests = 0;
  #inFlight = 0;

  constructor(
    readonly counters: PoolCounters,
    events: PoolEmitter,
  ) {
    events.on("spawn", () => this.#lifecycle.spawns++);
    events.on("crash", () => this.#lifecycle.crashes++);
    events.on("recycle", ({ reason }) => bump(this.#lifecycle.recycles, reason));
    events.on("terminate", ({ reason }) => bump(this.#lifecycle.terminations, reason));
  }

  requestStarted(): void {
    this.#inFlight++;
  }

  requestEnded(event: RequestEndEvent): void {
    this.#inFlight--;
    this.#requests++;
    bump(this.#byStatus, `${Math.floor(event.status / 100)}xx`);
    if (event.code) bump(this.#errorsByCode, event.code);
    this.latency.record(event.durationMs);
  }

  /** The JSON of `/_/metrics`; `workersByState` comes from the pool's snapshot. */
  toJSON(workersByState: Record<string, number>) {
    const workers = Object.values(workersByState).reduce((a, b) => a + b, 0);
    return {
      workers: { total: workers, byState: workersByState },
      requests: { total: this.#requests, inFlight: this.#inFlight, byStatus: { ...this.#byStatus } },
      errors: { byCode: { ...this.#errorsByCode } },
      latencyMs: this.latency.percentiles(),
      pool: { ...this.counters, ...structuredClone(this.#lifecycle) },
    };
  }
}

function bump(record: Record<string, number>, key: string): void {
  record[key] = (record[key] ?? 0) + 1;
}
