import QuickLRU from "quick-lru";
import { MAX_TRACKED_APPS } from "./bounds.ts";
import { LatencyWindow } from "./latency.ts";

export { MAX_TRACKED_APPS };

/** Latency samples kept per app: enough for p99 over the last few seconds of a busy app. */
const SAMPLES_PER_APP = 512;

interface AppEntry {
  requests: number;
  byStatus: Record<string, number>;
  errorsByCode: Record<string, number>;
  latency: LatencyWindow;
}

/** One app's figures in `/_/metrics` `apps` (docs/routes.md#internal-routes). */
export interface AppFigures {
  requests: number;
  byStatus: Record<string, number>;
  errors: { byCode: Record<string, number> };
  latencyMs: { p50: number; p99: number };
}

/**
 * Requests, statuses, runtime errors by code and latency percentiles per app, for the
 * dashboard's per-app charts. One map lookup and a few stores per request.
 */
export class PerAppStats {
  /** Names come from the catalogue, but apps come and go: the least recently served goes first. */
  readonly #apps = new QuickLRU<string, AppEntry>({ maxSize: MAX_TRACKED_APPS });

  record(app: string, statusClass: string, code: string | undefined, durationMs: number): void {
    let entry = this.#apps.get(app);
    if (!entry) {
      entry = { requests: 0, byStatus: {}, errorsByCode: {}, latency: new LatencyWindow(SAMPLES_PER_APP) };
      this.#apps.set(app, entry);
    }
    entry.requests++;
    entry.byStatus[statusClass] = (entry.byStatus[statusClass] ?? 0) + 1;
    if (code) entry.errorsByCode[code] = (entry.errorsByCode[code] ?? 0) + 1;
    entry.latency.record(durationMs);
  }

  /** Drops an app's figures (it has no version left). */
  forget(app: string): void {
    this.#apps.delete(app);
  }

  /** Every tracked app's figures (copies). */
  toJSON(): Record<string, AppFigures> {
    const out: Record<string, AppFigures> = {};
    for (const [name, entry] of this.#apps.entriesAscending()) {
      const { p50, p99 } = entry.latency.percentiles();
      out[name] = {
        requests: entry.requests,
        byStatus: { ...entry.byStatus },
        errors: { byCode: { ...entry.errorsByCode } },
        latencyMs: { p50, p99 },
      };
    }
    return out;
  }
}
