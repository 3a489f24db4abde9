/** Counters the pool bumps as it hands out work. */
export interface PoolCounters {
  /** Requests that found a free worker at once. */
  hits: number;
  /** Requests that had to wait (for a slot or a new worker). */
  misses: number;
  /** Versions evicted to keep within POOL_SIZE. */
  evictions: number;
  /** Workers whose thread did not close after `terminate()` and was given up on (blocked in a system call). */
  abandoned: number;
  /** Abandoned threads still running now: threads leaked until they return or the process exits. */
  leakedThreads: number;
}

/** Fresh counters, all zero (one set per server, shared by its pool and its stats). */
export const newPoolCounters = (): PoolCounters => ({
  hits: 0,
  misses: 0,
  evictions: 0,
  abandoned: 0,
  leakedThreads: 0,
});
