/**
 * The pool's decisions as pure functions: which worker takes a request, whether to spawn,
 * whether to queue, which version to evict. No threads, no timers: unit-tested alone.
 */
import { accepts, type WorkerState } from "./state.ts";

export interface WorkerLoad {
  state: WorkerState;
  inFlight: number;
}

/** What the balancer sees of a worker: whether it takes work at all, and its load. */
export interface Candidate {
  accepts(): boolean;
  inFlight: number;
}

/**
 * The accepting worker with the fewest requests in flight below `concurrency`, or -1.
 * `skip` (a prewarmed successor held back while its predecessor serves) is never picked.
 */
export function pickWorker(workers: readonly Candidate[], concurrency: number, skip?: Candidate): number {
  let best = -1;
  for (let i = 0; i < workers.length; i++) {
    const w = workers[i] as Candidate;
    if (w === skip || !w.accepts() || w.inFlight >= concurrency) continue;
    if (best === -1 || w.inFlight < (workers[best] as Candidate).inFlight) best = i;
  }
  return best;
}

/**
 * Whether to start another worker for a version: only while every live one is at
 * `concurrency` (counting those still starting as free capacity) and below `maxWorkers`.
 */
export function shouldSpawn(
  workers: readonly WorkerLoad[],
  waiting: number,
  config: { concurrency: number; maxWorkers: number },
): boolean {
  const live = workers.filter((w) => w.state !== "draining" && w.state !== "terminated");
  if (live.length >= config.maxWorkers) return false;
  const starting = live.filter((w) => w.state === "creating").length;
  return waiting > starting * config.concurrency;
}

/**
 * Whether a request that found no free slot may wait, or gets 503. Requests that workers still
 * starting (or still allowed to start) will take are not "queued" in the `maxQueue` sense:
 * from cold, `maxWorkers × concurrency + maxQueue` requests fit, as when warm.
 */
export function canQueue(queued: number, maxQueue: number, incomingSlots = 0): boolean {
  return queued < maxQueue + incomingSlots;
}

/** Slots that workers starting, or yet to be started, will add for a version. */
export function incomingSlots(
  workers: readonly WorkerLoad[],
  config: { concurrency: number; maxWorkers: number },
): number {
  const live = workers.filter((w) => w.state !== "draining" && w.state !== "terminated");
  const starting = live.filter((w) => w.state === "creating").length;
  return (starting + Math.max(0, config.maxWorkers - live.length)) * config.concurrency;
}

/** Below this `maxRequests` a worker's successor is never prewarmed (recycling that often is a test setting). */
export const PREWARM_MIN_MAX_REQUESTS = 10;

/**
 * The request count from which a worker counts as near its end (its successor may be
 * prewarmed): its last `lead` requests remain. The lead keeps the successor's start ahead of
 * the drain: twice `arrivedDuringStart`, the requests that reached the version while its
 * latest worker started (a start measured in requests: no clock, the same under virtual time),
 * at least 5 % of `maxRequests` (and one request), at most half of it. `Infinity` when
 * `maxRequests` is below `PREWARM_MIN_MAX_REQUESTS`: such workers never get a successor early.
 */
export function prewarmFrom(maxRequests: number, arrivedDuringStart = 0): number {
  if (maxRequests < PREWARM_MIN_MAX_REQUESTS) return Number.POSITIVE_INFINITY;
  const least = Math.max(1, Math.ceil(maxRequests / 20));
  return maxRequests - Math.min(Math.floor(maxRequests / 2), Math.max(least, 2 * arrivedDuringStart));
}

/** What the prewarm decision sees of a worker. */
export interface PrewarmView extends WorkerLoad {
  /** Requests dispatched to it so far. */
  requests: number;
}

/**
 * Whether to start `worker`'s successor now, before it reaches `maxRequests` and drains (then
 * the requests arriving meanwhile would wait for a spawn). Three conditions:
 * - `worker` takes requests and is near its end (at least `from` requests, see `prewarmFrom`),
 *   not yet at `maxRequests`;
 * - the version is under load: `worker` has another request in flight besides the one just
 *   dispatched, or requests are waiting. Concurrency is the evidence because the recycle gap
 *   costs little to a sequential client (one spawn's wait per `maxRequests` requests) and a
 *   lot to concurrent ones (all of them queue). It needs no clock, and a sequential trickle
 *   never has two requests in flight, so it never prewarms;
 * - no other live worker (`live` may include `worker`) could take over: none starting, none
 *   accepting that is not itself near its end.
 */
export function shouldPrewarm(
  worker: PrewarmView,
  live: readonly PrewarmView[],
  waiting: number,
  limits: { from: number; maxRequests: number },
): boolean {
  const { from, maxRequests } = limits;
  if (!accepts(worker.state) || worker.requests < from || worker.requests >= maxRequests) return false;
  if (worker.inFlight < 2 && waiting === 0) return false;
  for (const other of live) {
    if (other === worker) continue;
    if (other.state === "creating") return false;
    if (accepts(other.state) && other.requests < from) return false;
  }
  return true;
}

/**
 * Whether a prewarmed successor may take a request that no other worker can take while its
 * predecessor still serves: only when another worker would be allowed anyway (`others`, the
 * version's live workers besides the successor, are fewer than `maxWorkers`). With
 * `maxWorkers` 1 it waits until its predecessor drains.
 */
export function successorMayServe(others: number, maxWorkers: number): boolean {
  return others < maxWorkers;
}

/** `Retry-After` seconds for an overloaded version: about one request's worth of waiting. */
export function retryAfterSeconds(timeoutSeconds: number): number {
  return Math.max(1, Math.min(30, Math.ceil(timeoutSeconds / 10)));
}
