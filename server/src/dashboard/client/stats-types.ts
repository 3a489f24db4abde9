/** The shapes the client reads from `/_/sse` (docs/routes.md#internal-routes). */

export interface LiveWorker {
  id: number;
  app: string;
  version: string;
  state: string;
  requests: number;
  inFlight: number;
  errors: number;
  ageMs: number;
  idleMs: number;
  memory: { heapUsed?: number; rss?: number };
}

export interface Figures {
  requests: number;
  errorsByCode: Record<string, number>;
  p50: number;
  p99: number;
}

/** One whole second, every app together (server/src/stats/per-second.ts). */
export interface SecondFigures {
  t: number;
  requests: number;
  p50: number | null;
  p99: number | null;
  errorsByCode: Record<string, number>;
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
  liveWorkers?: LiveWorker[];
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
