/** The shapes the client reads from `/_/sse` (docs/routes.md#internal-routes). */

import type { WorkerInfo } from "@buntime/sdk";
import type { SecondFigures } from "../../stats/per-second.ts";

/** The server's own types (erased from the bundle): a live worker, and one whole second of every app together. */
export type { SecondFigures, WorkerInfo as LiveWorker };

export interface Figures {
  requests: number;
  errorsByCode: Record<string, number>;
  p50: number;
  p99: number;
}

/** A `stats` event's data: `/_/metrics` plus `liveWorkers` and `lastSecond`. */
export interface StatsEvent {
  requests: { total: number };
  errors: { byCode: Record<string, number> };
  latencyMs: { p50: number; p99: number };
  apps?: Record<
    string,
    { requests: number; errors: { byCode: Record<string, number> }; latencyMs: { p50: number; p99: number } }
  >;
  liveWorkers?: WorkerInfo[];
  lastSecond?: SecondFigures;
}

/** A `worker` event's data. */
export interface WorkerEvent {
  type: "spawn" | "ready" | "recycle" | "terminate" | "crash";
  key: string;
  workerId: number;
  reason?: string;
  startMs?: number;
  message?: string;
}

/** The figures of one scope (every app, or one app) out of a stats event. */
export function figuresOf(stats: StatsEvent, app: string | undefined): Figures | undefined {
  if (app === undefined) {
    return {
      requests: stats.requests.total,
      errorsByCode: stats.errors.byCode,
      p50: stats.latencyMs.p50,
      p99: stats.latencyMs.p99,
    };
  }
  const one = stats.apps?.[app];
  return (
    one && { requests: one.requests, errorsByCode: one.errors.byCode, p50: one.latencyMs.p50, p99: one.latencyMs.p99 }
  );
}
