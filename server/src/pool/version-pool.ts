import { type VersionKey, versionKey } from "../apps/catalog.ts";
import type { AppVersion } from "../apps/config.ts";
import { BuntimeError } from "../errors.ts";
import type { PoolCounters } from "../stats/collector.ts";
import type { Clock, TimerHandle } from "./clock.ts";
import type { StopReason } from "./events.ts";
import type { ForwardedRequest } from "./exchange.ts";
import { type InstanceDeps, WorkerInstance } from "./instance.ts";
import { canQueue, incomingSlots, pickWorker, retryAfterSeconds, shouldSpawn } from "./policies.ts";
import { backoffMs } from "./timing.ts";

/** A queued request: handed to a worker (dispatched at once, so its slot is taken) or failed. */
interface Waiter {
  forward: ForwardedRequest;
  resolve: (response: Promise<Response>) => void;
  reject: (error: BuntimeError) => void;
  timer: TimerHandle;
}

export interface VersionPoolDeps extends Omit<InstanceDeps, "onChange"> {
  clock: Clock;
  /** Makes room in the pool-wide budget for one more worker (may evict other versions). */
  reserveWorker: (pool: VersionPool) => void;
  counters: PoolCounters;
}

/**
 * The workers of one app version: hands each request to the least-loaded worker below
 * `concurrency`, spawns up to `maxWorkers` while all are busy, and queues up to `maxQueue`
 * requests for a free slot; past that, 503 `APP_OVERLOADED`. After a failed start it backs off
 * (crash loop) instead of spawning on every request; a change on disk makes a new VersionPool.
 */
export class VersionPool {
  readonly key: VersionKey;
  readonly app: AppVersion;
  readonly workers: WorkerInstance[] = [];
  readonly #deps: VersionPoolDeps;
  readonly #queue: Waiter[] = [];
  #retired: BuntimeError | undefined;
  #failures = 0;
  #lastFailure: BuntimeError | undefined;
  #retryAt = 0;

  constructor(app: AppVersion, deps: VersionPoolDeps) {
    this.app = app;
    this.key = versionKey(app.name, app.version);
    this.#deps = deps;
  }

  /** Workers that are not draining or gone: what counts against POOL_SIZE. */
  get liveCount(): number {
    return this.#live().length;
  }

  get queued(): number {
    return this.#queue.length;
  }

  /** Serves one request on a worker of this version. */
  dispatch(forward: ForwardedRequest): Promise<Response> {
    forward.arrivedAt ??= this.#deps.clock.now();
    const worker = this.#takeFree();
    if (worker) {
      this.#deps.counters.hits++;
      return worker.dispatch(forward);
    }
    this.#deps.counters.misses++;
    return this.#wait(forward);
  }

  /** Drains every worker and refuses new requests (removed, changed on disk, evicted, shutdown). */
  retire(reason: StopReason, error: BuntimeError = new ReplacedError(this.key)): void {
    this.#retired = error;
    for (const worker of this.workers) worker.drain(reason);
    for (const waiter of this.#queue.splice(0)) this.#settle(waiter, error);
  }

  /** Terminates every worker now, failing what is in flight. */
  kill(reason: StopReason, error: BuntimeError): void {
    this.#retired = error;
    for (const worker of this.workers) worker.kill(reason, error);
    for (const waiter of this.#queue.splice(0)) this.#settle(waiter, error);
  }

  /** Hands free slots to waiting requests; called whenever one of its workers changes. */
  pump(): void {
    for (let i = this.workers.length - 1; i >= 0; i--) {
      if (this.workers[i]?.state === "terminated") this.workers.splice(i, 1);
    }
    while (this.#queue.length > 0) {
      const worker = this.#takeFree();
      if (!worker) break;
      const waiter = this.#queue.shift() as Waiter;
      this.#deps.clock.clearTimeout(waiter.timer);
      // Dispatch here, synchronously: the slot is taken before the next waiter looks.
      waiter.resolve(worker.dispatch(waiter.forward));
    }
    if (this.#queue.length > 0) this.#maybeSpawn();
    // In a crash-loop backoff with nothing alive to wait for, waiting requests get the failure now.
    const backoff = this.#queue.length > 0 ? this.#backoffError() : undefined;
    if (backoff) for (const waiter of this.#queue.splice(0)) this.#settle(waiter, backoff);
  }

  #live(): WorkerInstance[] {
    return this.workers.filter((w) => w.live);
  }

  #takeFree(): WorkerInstance | undefined {
    if (this.#retired) return undefined;
    const index = pickWorker(this.workers, this.app.config.concurrency);
    return index === -1 ? undefined : this.workers[index];
  }

  #wait(forward: ForwardedRequest): Promise<Response> {
    if (this.#retired) return Promise.reject(this.#retired);
    const backoff = this.#backoffError();
    if (backoff) return Promise.reject(backoff);
    const { maxQueue, timeout } = this.app.config;
    if (!canQueue(this.#queue.length, maxQueue, incomingSlots(this.#live(), this.app.config))) {
      return Promise.reject(
        new BuntimeError("APP_OVERLOADED", `${this.key} has ${maxQueue} requests waiting`, {
          "retry-after": String(retryAfterSeconds(timeout)),
        }),
      );
    }
    return new Promise<Response>((resolve, reject) => {
      const waiter: Waiter = {
        forward,
        resolve,
        reject,
        timer: this.#deps.clock.setTimeout(
          () => {
            const index = this.#queue.indexOf(waiter);
            if (index !== -1) this.#queue.splice(index, 1);
            reject(new BuntimeError("APP_TIMEOUT", `${this.key} had no free worker within ${timeout}s`));
          },
          Math.max(0, (forward.arrivedAt ?? this.#deps.clock.now()) + timeout * 1000 - this.#deps.clock.now()),
        ),
      };
      this.#queue.push(waiter);
      this.#maybeSpawn();
    });
  }

  /** While a crash loop backs off and no worker is alive: the last start failure, at once. */
  #backoffError(): BuntimeError | undefined {
    if (this.#failures === 0 || this.liveCount > 0) return undefined;
    const wait = this.#retryAt - this.#deps.clock.now();
    if (wait <= 0) return undefined;
    const message = `${this.#lastFailure?.message ?? `${this.key} failed to start`} (next start in ${Math.ceil(wait / 1000)}s)`;
    return new BuntimeError("WORKER_START_FAILED", message);
  }

  #maybeSpawn(): void {
    if (this.#retired || this.#backoffError()) return;
    if (!shouldSpawn(this.#live(), this.#queue.length, this.app.config)) return;
    this.#deps.reserveWorker(this);
    const worker = new WorkerInstance(this.app, { ...this.#deps, onChange: () => this.pump() });
    this.workers.push(worker);
    worker.ready.then(
      () => {
        this.#failures = 0;
      },
      (error: BuntimeError) => this.#onStartFailed(error),
    );
  }

  #onStartFailed(error: BuntimeError): void {
    if (this.#retired) return;
    this.#failures++;
    this.#lastFailure = error;
    this.#retryAt = this.#deps.clock.now() + backoffMs(this.#failures, this.#deps.timing);
    // With no other worker to wait for, everyone waiting gets the start failure.
    if (this.workers.some((w) => w.accepts())) return;
    for (const waiter of this.#queue.splice(0)) this.#settle(waiter, error);
  }

  #settle(waiter: Waiter, error: BuntimeError): void {
    this.#deps.clock.clearTimeout(waiter.timer);
    waiter.reject(error);
  }
}

/**
 * A request that waited on a version retired under it (changed or removed on disk, evicted).
 * The HTTP layer resolves such a request again instead of answering it, so none is lost.
 */
export class ReplacedError extends BuntimeError {
  constructor(key: VersionKey) {
    super("APP_OVERLOADED", `${key} was replaced while the request waited; retry`, { "retry-after": "1" });
  }
}
