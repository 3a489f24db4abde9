/**
 * The last 15 minutes of stats, one sample a second, kept in the page: the charts of any scope
 * (every app, or one) are computed from it, so switching scope keeps the history.
 */
import { type Figures, figuresOf, type StatsEvent } from "./stats-types.ts";

export const WINDOW_SECONDS = 15 * 60;

interface Sample {
  /** Seconds since the epoch. */
  t: number;
  stats: StatsEvent;
}

/** The series the three charts draw for one scope. */
export interface Series {
  t: number[];
  rps: (number | null)[];
  p50: (number | null)[];
  p99: (number | null)[];
  /** Code → errors per second. */
  errors: Map<string, (number | null)[]>;
}

export class StatsHistory {
  readonly #samples: Sample[] = [];

  add(stats: StatsEvent, now = Date.now()): void {
    this.#samples.push({ t: now / 1000, stats });
    const from = now / 1000 - WINDOW_SECONDS;
    while (this.#samples.length > 0 && (this.#samples[0] as Sample).t < from) this.#samples.shift();
  }

  /** Rates are differences between consecutive samples (counters are totals since start). */
  series(app: string | undefined): Series {
    const out: Series = { t: [], rps: [], p50: [], p99: [], errors: new Map() };
    let previous: { t: number; figures: Figures | undefined } | undefined;
    const codes = new Set<string>();
    for (const sample of this.#samples)
      for (const code of Object.keys(figuresOf(sample.stats, app)?.errorsByCode ?? {})) codes.add(code);
    for (const code of [...codes].sort()) out.errors.set(code, []);
    for (const sample of this.#samples) {
      const figures = figuresOf(sample.stats, app);
      if (previous) {
        const dt = Math.max(sample.t - previous.t, 0.001);
        const before = previous.figures;
        out.t.push(sample.t);
        out.rps.push(figures ? rate(figures.requests - (before?.requests ?? 0), dt) : 0);
        out.p50.push(figures ? figures.p50 : null);
        out.p99.push(figures ? figures.p99 : null);
        for (const [code, values] of out.errors) {
          const now = figures?.errorsByCode[code] ?? 0;
          values.push(rate(now - (before?.errorsByCode[code] ?? 0), dt));
        }
      }
      previous = { t: sample.t, figures };
    }
    return out;
  }
}

/** A counter's change per second; a counter that went down (a server restart) counts as 0. */
function rate(delta: number, dt: number): number {
  return delta < 0 ? 0 : Math.round((delta / dt) * 100) / 100;
}
