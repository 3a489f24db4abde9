/** What every load generator takes and gives back, whichever tool runs the load. */

export interface LoadOptions {
  url: string;
  /** Seconds of load. */
  seconds: number;
  /** Connections kept open (each sends its next request when the last is answered). */
  connections: number;
  /** Load-generator threads (wrk only). */
  threads: number;
  /** A request unanswered after this many seconds counts as a timeout. */
  timeoutSeconds?: number;
}

export interface LoadResult {
  /** Responses received in full. */
  requests: number;
  seconds: number;
  requestsPerSecond: number;
  bytes: number;
  latencyMs: { p50: number; p90: number; p99: number; max: number; mean: number };
  /** Connect, read, write and timeout errors, and responses with a status other than 2xx/3xx. */
  errors: { socket: number; timeout: number; non2xx: number };
}

export interface LoadGenerator {
  /** `wrk 4.1.0` or `autocannon`: recorded with the results. */
  readonly name: string;
  run(options: LoadOptions): Promise<LoadResult>;
}
