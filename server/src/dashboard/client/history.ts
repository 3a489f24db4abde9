/**
 * The last 15 minutes, one point a second. For every app together the server keeps them
 * (`/_/dashboard/history` seeds the page, each `stats` event's `lastSecond` adds one): exact
 * per-second counts and latency percentiles. For one app the page computes them from the
 * events it has received since it opened (counter differences; latency from the app's rolling
 * window). Switching scope keeps both.
 */
import { type Figures, figuresOf, type SecondFigures, type StatsEvent } from "./stats-types.ts";

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
  /** Every app together, second by second, from the server. */
  readonly #seconds: SecondFigures[] = [];

  /**
   * The server's seconds: the seed, or one from a stats event, in whatever order they arrive
   * (the seed may come after the first events); a second already held is kept once.
   */
  addSeconds(seconds: readonly SecondFigures[], now = Date.now()): void {
    const held = new Set(this.#seconds.map((s) => s.t));
    const fresh = seconds.filter((s) => !held.has(s.t));
    if (fresh.length === 0) return;
    const last = this.#seconds.at(-1);
    this.#seconds.push(...fresh);
    if (last && fresh.some((s) => s.t < last.t)) this.#seconds.sort((a, b) => a.t - b.t);
    const from = now / 1000 - WINDOW_SECONDS;
    while (this.#seconds.length > 0 && (this.#seconds[0] as SecondFigures).t < from) this.#seconds.shift();
  }

  add(stats: StatsEvent, now = Date.now()): void {
    if (stats.lastSecond) this.addSeconds([stats.lastSecond], now);
    this.#samples.push({ t: now / 1000, stats });
    const from = now / 1000 - WINDOW_SECONDS;
    while (this.#samples.length > 0 && (this.#samples[0] as Sample).t < from) this.#samples.shift();
  }

  /** Every app (from the server's seconds), or one app (from the samples). */
  series(app: string | undefined): Series {
    return app === undefined && this.#seconds.length > 0 ? this.#overall() : this.#ofApp(app);
  }

  #overall(): Series {
    const out: Series = { t: [], rps: [], p50: [], p99: [], errors: new Map() };
    const codes = new Set(this.#seconds.flatMap((s) => Object.keys(s.errorsByCode)));
    for (const code of [...codes].sort()) out.errors.set(code, []);
    for (const second of this.#seconds) {
      out.t.push(second.t);
      out.rps.push(second.requests);
      out.p50.push(second.p50);
      out.p99.push(second.p99);
      for (const [code, values] of out.errors) values.push(second.errorsByCode[code] ?? 0);
    }
    return out;
  }

  /** Rates are differences between consecutive samples (counters are totals since start). */
  #ofApp(app: string | undefined): Series {
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
