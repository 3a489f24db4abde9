/**
 * The pool's decisions as pure functions: which worker takes a request, whether to spawn,
 * whether to queue, which version to evict. No threads, no timers: unit-tested alone.
 */
import type { WorkerState } from "./state.ts";

export interface WorkerLoad {
  state: WorkerState;
  inFlight: number;
}

/** What the balancer sees of a worker: whether it takes work at all, and its load. */
export interface Candidate {
  accepts(): boolean;
  inFlight: number;
}

/** The accepting worker with the fewest requests in flight below `concurrency`, or -1. */
export function pickWorker(workers: readonly Candidate[], concurrency: number): number {
  let best = -1;
  for (let i = 0; i < workers.length; i++) {
    const w = workers[i] as Candidate;
    if (!w.accepts() || w.inFlight >= concurrency) continue;
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

/** `Retry-After` seconds for an overloaded version: about one request's worth of waiting. */
export function retryAfterSeconds(timeoutSeconds: number): number {
  return Math.max(1, Math.min(30, Math.ceil(timeoutSeconds / 10)));
}
