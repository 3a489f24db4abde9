/**
 * The last 15 minutes, second by second: requests, runtime errors by code and a latency
 * histogram per second, for the dashboard's charts to show the recent past the moment they open
 * (docs/dashboard.md). A ring of one slot per second, written by requests and read by the
 * dashboard: no timer, nothing to stop. Bounded: SECONDS slots of fixed size, and at most
 * MAX_CODES_PER_SECOND distinct error codes in one second.
 */

/** Seconds kept. */
export const SECONDS = 15 * 60;

/**
 * Latency buckets: upper bounds FIRST_BOUND_MS × GROWTH^b. 64 buckets reach past 80 s; a
 * percentile is reported as its bucket's upper bound, so within 25 % of the true value.
 */
const BUCKETS = 64;
const FIRST_BOUND_MS = 0.05;
const GROWTH = 1.25;
const LOG_GROWTH = Math.log(GROWTH);

/** Distinct error codes counted in one second (the codes are the runtime's, a short list). */
export const MAX_CODES_PER_SECOND = 32;

/** One completed second. */
export interface SecondFigures {
  /** Seconds since the epoch. */
  t: number;
  requests: number;
  /** Upper bounds of the latency buckets holding the median and the 99th percentile, in ms; null without requests. */
  p50: number | null;
  p99: number | null;
  errorsByCode: Record<string, number>;
}

function bucketOf(ms: number): number {
  if (!(ms > FIRST_BOUND_MS)) return 0;
  return Math.min(BUCKETS - 1, Math.ceil(Math.log(ms / FIRST_BOUND_MS) / LOG_GROWTH));
}

const boundOf = (bucket: number) => Math.round(FIRST_BOUND_MS * GROWTH ** bucket * 100) / 100;

/** See the file's comment. */
export class PerSecondHistory {
  /** Which epoch second each slot holds (-1: none yet). */
  readonly #second = new Float64Array(SECONDS).fill(-1);
  readonly #requests = new Uint32Array(SECONDS);
  readonly #latency = new Uint32Array(SECONDS * BUCKETS);
  readonly #errors: (Map<string, number> | undefined)[] = new Array(SECONDS);
  /** The first second it existed in: earlier ones are no data, not zero requests. */
  readonly #since: number;

  /** `nowMs`: wall-clock milliseconds when it starts counting (the server's start). */
  constructor(nowMs: number = Date.now()) {
    this.#since = Math.floor(nowMs / 1000);
  }

  /** One answered request at wall-clock `nowMs`. */
  record(durationMs: number, code: string | undefined, nowMs: number): void {
    const second = Math.floor(nowMs / 1000);
    const slot = second % SECONDS;
    if (this.#second[slot] !== second) {
      this.#second[slot] = second;
      this.#requests[slot] = 0;
      this.#latency.fill(0, slot * BUCKETS, (slot + 1) * BUCKETS);
      this.#errors[slot] = undefined;
    }
    this.#requests[slot] = (this.#requests[slot] as number) + 1;
    const at = slot * BUCKETS + bucketOf(durationMs);
    this.#latency[at] = (this.#latency[at] as number) + 1;
    if (code) {
      let errors = this.#errors[slot];
      if (!errors) {
        errors = new Map();
        this.#errors[slot] = errors;
      }
      if (errors.has(code) || errors.size < MAX_CODES_PER_SECOND) errors.set(code, (errors.get(code) ?? 0) + 1);
    }
  }

  /** The completed second before `nowMs`'s (zeros when nothing was answered in it). */
  lastSecond(nowMs: number): SecondFigures {
    return this.#figures(Math.floor(nowMs / 1000) - 1);
  }

  /** Every completed second of the last SECONDS before `nowMs` (none before it started), oldest first. */
  window(nowMs: number): SecondFigures[] {
    const current = Math.floor(nowMs / 1000);
    const out: SecondFigures[] = [];
    for (let second = Math.max(current - SECONDS + 1, this.#since); second < current; second++) {
      out.push(this.#figures(second));
    }
    return out;
  }

  #figures(second: number): SecondFigures {
    const slot = ((second % SECONDS) + SECONDS) % SECONDS;
    if (this.#second[slot] !== second) return { t: second, requests: 0, p50: null, p99: null, errorsByCode: {} };
    const requests = this.#requests[slot] as number;
    return {
      t: second,
      requests,
      p50: this.#percentile(slot, requests, 0.5),
      p99: this.#percentile(slot, requests, 0.99),
      errorsByCode: Object.fromEntries(this.#errors[slot] ?? []),
    };
  }

  #percentile(slot: number, requests: number, q: number): number | null {
    if (requests === 0) return null;
    const rank = Math.ceil(q * requests);
    let seen = 0;
    for (let b = 0; b < BUCKETS; b++) {
      seen += this.#latency[slot * BUCKETS + b] as number;
      if (seen >= rank) return boundOf(b);
    }
    return boundOf(BUCKETS - 1);
  }
}
