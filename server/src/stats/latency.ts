/**
 * Latency percentiles over the last `capacity` requests: a ring of samples, sorted on read.
 * Reads are rare (a metrics scrape), writes are one store per request.
 */
export class LatencyWindow {
  readonly #samples: Float64Array;
  #count = 0;

  constructor(capacity = 2048) {
    this.#samples = new Float64Array(capacity);
  }

  record(ms: number): void {
    this.#samples[this.#count % this.#samples.length] = ms;
    this.#count++;
  }

  /** p50/p90/p99 in ms (rounded to 0.01), over the window; zeros when empty. */
  percentiles(): { count: number; p50: number; p90: number; p99: number } {
    const n = Math.min(this.#count, this.#samples.length);
    if (n === 0) return { count: 0, p50: 0, p90: 0, p99: 0 };
    const sorted = this.#samples.slice(0, n).sort();
    const at = (q: number) => Math.round((sorted[Math.min(n - 1, Math.ceil(q * n) - 1)] as number) * 100) / 100;
    return { count: this.#count, p50: at(0.5), p90: at(0.9), p99: at(0.99) };
  }
}
