/**
 * A token bucket: `rate` tokens a second on average, at most `burst` at once. Time is given by the
 * caller (milliseconds of any clock that only moves forward), so the bucket sets no timer.
 */
export class TokenBucket {
  #tokens: number;
  #at: number;

  constructor(
    readonly rate: number,
    readonly burst: number,
    now: number,
  ) {
    this.#tokens = burst;
    this.#at = now;
  }

  /** Takes up to `wanted` whole tokens at time `now`; how many it got. */
  take(wanted: number, now: number): number {
    this.#tokens = Math.min(this.burst, this.#tokens + ((now - this.#at) * this.rate) / 1000);
    this.#at = now;
    const got = Math.max(0, Math.min(wanted, Math.floor(this.#tokens)));
    this.#tokens -= got;
    return got;
  }
}
