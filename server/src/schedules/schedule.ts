/**
 * One schedule of one app (`schedules` in its worker config): when it fires next (croner, from
 * the injected clock's wall time), whether a run is going, and what its runs came to.
 */
import { parseCron } from "@buntime/sdk";
import type { Cron } from "croner";

/** How a run ended (docs: scheduled handlers). `skipped`: the previous run was still going. */
export type Outcome = "ok" | "error" | "timeout" | "skipped";

export const OUTCOMES: readonly Outcome[] = ["ok", "error", "timeout", "skipped"];

/** The last run of a schedule, as `/_/stats` shows it. */
export interface LastRun {
  /** When it was due (ms since the epoch). */
  scheduledTime: number;
  outcome: Outcome;
  /** Wall time it took (0 when skipped). */
  durationMs: number;
  /** For `error` and `timeout`: the runtime's error message, bounded. */
  error?: string;
}

/**
 * A schedule's identity: the app, and its entry in the config. Also its lease's name in a shared
 * store, so text a database takes (JSON: no NUL, unambiguous).
 */
export function scheduleKey(app: string, cron: string, timezone: string | undefined): string {
  return JSON.stringify([app, cron, timezone ?? null]);
}

export class Schedule {
  readonly key: string;
  readonly app: string;
  readonly cron: string;
  readonly timezone: string | undefined;
  /** The version the next run goes to: what `/<app>/` resolves to now. */
  version: string;
  readonly counts: Record<Outcome, number> = { ok: 0, error: 0, timeout: 0, skipped: 0 };
  lastRun: LastRun | undefined;
  /** When it fires next (ms since the epoch), while armed. */
  next: number | undefined;
  /** A run is going: the next due one is skipped. */
  running = false;
  readonly #pattern: Cron;

  /** @throws TypeError for a bad cron or timezone (the config schema refuses those first). */
  constructor(app: string, version: string, cron: string, timezone: string | undefined) {
    this.key = scheduleKey(app, cron, timezone);
    this.app = app;
    this.version = version;
    this.cron = cron;
    this.timezone = timezone;
    this.#pattern = parseCron(cron, timezone);
  }

  /** The first time after `afterMs` (ms since the epoch) the cron matches; undefined: never again. */
  nextAfter(afterMs: number): number | undefined {
    return this.#pattern.nextRun(new Date(afterMs))?.getTime();
  }

  record(run: LastRun): void {
    this.counts[run.outcome]++;
    this.lastRun = run;
  }

  toJSON() {
    return {
      app: this.app,
      version: this.version,
      cron: this.cron,
      ...(this.timezone !== undefined && { timezone: this.timezone }),
      next: this.next === undefined ? null : new Date(this.next).toISOString(),
      running: this.running,
      counts: { ...this.counts },
      lastRun: this.lastRun
        ? { ...this.lastRun, scheduledTime: new Date(this.lastRun.scheduledTime).toISOString() }
        : null,
    };
  }
}
