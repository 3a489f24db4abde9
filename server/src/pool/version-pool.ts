import { type VersionKey, versionKey } from "../apps/catalog.ts";
import type { AppVersion } from "../apps/config.ts";
import { BuntimeError } from "../errors.ts";
import type { Clock, TimerHandle } from "./clock.ts";
import type { StopReason } from "./events.ts";
import type { ForwardedRequest } from "./exchange.ts";
import { type InstanceDeps, WorkerInstance } from "./instance.ts";
import { canQueue, pickWorker, retryAfterSeconds, shouldSpawn } from "./policies.ts";

interface Waiter {
  resolve: (worker: WorkerInstance) => void;
  reject: (error: BuntimeError) => void;
  timer: TimerHandle;
}

export interface VersionPoolDeps extends Omit<InstanceDeps, "onChange"> {
  clock: Clock;
  /** Asks the pool-wide budget for room for one more worker (may evict other versions). */
  reserveWorker: (pool: VersionPool) => void;
  onChange: () => void;
}

/**
 * The workers of one app version: hands each request to the least-loaded worker below
 * `concurrency`, spawns up to `maxWorkers` while all are busy, and queues up to `maxQueue`
 * requests for a free slot; past that, 503 `APP_OVERLOADED`.
 */
export class VersionPool {
  readonly key: VersionKey;
  readonly app: AppVersion;
  readonly workers: WorkerInstance[] = [];
  readonly #deps: VersionPoolDeps;
  readonly #queue: Waiter[] = [];
  #retired = false;

  constructor(app: AppVersion, deps: VersionPoolDeps) {
    this.app = app;
    this.key = versionKey(app.name, app.version);
    this.#deps = deps;
  }

  /** Workers that are not draining or gone: what counts against POOL_SIZE. */
  get liveCount(): number {
    return this.workers.filter((w) => w.state !== "draining" && w.state !== "terminated").length;
  }

  get queued(): number {
    return this.#queue.length;
  }

  /** Serves one request on a worker of this version. */
  async dispatch(forward: ForwardedRequest): Promise<Response> {
    const worker = this.#takeFree() ?? (await this.#wait());
    return worker.dispatch(forward);
  }

  /** Drains every worker and refuses new requests (removed, changed on disk, evicted). */
  retire(reason: StopReason): void {
    this.#retired = true;
    for (const worker of this.workers) worker.drain(reason);
    const error = new BuntimeError("APP_OVERLOADED", `${this.key} is being replaced; retry`, { "retry-after": "1" });
    for (const waiter of this.#queue.splice(0)) this.#settle(waiter, error);
  }

  /** Terminates every worker now, failing what is in flight. */
  kill(reason: StopReason, error: BuntimeError): void {
    this.#retired = true;
    for (const worker of this.workers) worker.kill(reason, error);
    for (const waiter of this.#queue.splice(0)) this.#settle(waiter, error);
  }

  /** Hands free slots to waiting requests; called whenever a worker changes. */
  pump(): void {
    for (let i = this.workers.length - 1; i >= 0; i--) {
      if (this.workers[i]?.state === "terminated") this.workers.splice(i, 1);
    }
    while (this.#queue.length > 0) {
      const worker = this.#takeFree();
      if (!worker) break;
      const waiter = this.#queue.shift() as Waiter;
      this.#deps.clock.clearTimeout(waiter.timer);
      waiter.resolve(worker);
    }
    if (this.#queue.length > 0 && !this.#retired) this.#maybeSpawn();
  }

  #takeFree(): WorkerInstance | undefined {
    if (this.#retired) return undefined;
    const index = pickWorker(this.workers, this.app.config.concurrency);
    return index === -1 ? undefined : this.workers[index];
  }

  #wait(): Promise<WorkerInstance> {
    if (this.#retired) {
      return Promise.reject(
        new BuntimeError("APP_OVERLOADED", `${this.key} is being replaced; retry`, { "retry-after": "1" }),
      );
    }
    const { maxQueue, timeout } = this.app.config;
    if (!canQueue(this.#queue.length, maxQueue)) {
      return Promise.reject(
        new BuntimeError("APP_OVERLOADED", `${this.key} has ${maxQueue} requests waiting`, {
          "retry-after": String(retryAfterSeconds(timeout)),
        }),
      );
    }
    return new Promise((resolve, reject) => {
      const waiter: Waiter = {
        resolve,
        reject,
        timer: this.#deps.clock.setTimeout(() => {
          const index = this.#queue.indexOf(waiter);
          if (index !== -1) this.#queue.splice(index, 1);
          reject(new BuntimeError("APP_TIMEOUT", `${this.key} had no free worker within ${timeout}s`));
        }, timeout * 1000),
      };
      this.#queue.push(waiter);
      this.#maybeSpawn();
    });
  }

  #maybeSpawn(): void {
    if (!shouldSpawn(this.workers, this.#queue.length, this.app.config)) return;
    this.#deps.reserveWorker(this);
    const worker = new WorkerInstance(this.app, { ...this.#deps, onChange: () => this.#onWorkerChange() });
    this.workers.push(worker);
    worker.ready.catch((error: BuntimeError) => this.#onStartFailed(error));
  }

  #onStartFailed(error: BuntimeError): void {
    // With no other worker to wait for, everyone waiting gets the start failure.
    const others = this.workers.some(
      (w) => w.state !== "terminated" && w.state !== "creating" && w.state !== "draining",
    );
    if (others) return;
    for (const waiter of this.#queue.splice(0)) this.#settle(waiter, error);
  }

  #onWorkerChange(): void {
    this.pump();
    this.#deps.onChange();
  }

  #settle(waiter: Waiter, error: BuntimeError): void {
    this.#deps.clock.clearTimeout(waiter.timer);
    waiter.reject(error);
  }
}
