import type { AppVersion } from "../apps/config.ts";
import { type VersionKey, versionKey } from "../apps/version-key.ts";
import { BuntimeError } from "../errors.ts";
import type { Clock, TimerHandle } from "./clock.ts";
import type { StopReason } from "./events.ts";
import type { ForwardedRequest } from "./exchange.ts";
import { type InstanceDeps, WorkerInstance } from "./instance.ts";
import {
  canQueue,
  incomingSlots,
  pickWorker,
  prewarmFrom,
  retryAfterSeconds,
  shouldPrewarm,
  shouldSpawn,
  successorMayServe,
} from "./policies.ts";
import { backoffMs } from "./timing.ts";

/** A queued request: handed to a worker (dispatched at once, so its slot is taken) or failed. */
interface Waiter {
  forward: ForwardedRequest;
  resolve: (response: Promise<Response>) => void;
  reject: (error: BuntimeError) => void;
  timer: TimerHandle;
}

export interface VersionPoolDeps extends Omit<InstanceDeps<WorkerInstance>, "onChange"> {
  clock: Clock;
  /**
   * Makes room in the pool-wide budget for one more worker (may evict other versions); false when
   * there is none to make now: the pool calls `pump` again once there may be.
   */
  reserveWorker: (pool: VersionPool) => boolean;
  /** This version's queue emptied: it may be evicted now, to make room for a version waiting. */
  queueEmptied: () => void;
  /** Whether the pool-wide budget has room for one more live worker without evicting. */
  hasRoom: () => boolean;
  /** Serves a waiting request whose version was replaced under it (see ReplacedError). */
  redispatch: (app: AppVersion, forward: ForwardedRequest, error: ReplacedError) => Promise<Response>;
}

/**
 * The workers of one app version: hands each request to the least-loaded worker below
 * `concurrency`, spawns up to `maxWorkers` while all are busy, and queues up to `maxQueue`
 * requests for a free slot; past that, 503 `APP_OVERLOADED`. After a failed start it backs off
 * (crash loop) instead of spawning on every request; a change on disk makes a new VersionPool.
 *
 * Under load, a worker near `maxRequests` gets its successor prewarmed (`shouldPrewarm`), so
 * that requests go on to it the moment the old one drains instead of waiting for a spawn.
 * Until then the successor is held back (`successorMayServe`). It is only prewarmed while
 * POOL_SIZE has room.
 */
export class VersionPool {
  readonly key: VersionKey;
  readonly app: AppVersion;
  readonly workers: WorkerInstance[] = [];
  readonly #deps: VersionPoolDeps;
  readonly #queue: Waiter[] = [];
  #retired: BuntimeError | undefined;
  /** Set when the server stops (`finish`): the queue is served, nothing new is taken. */
  #closing: BuntimeError | undefined;
  /** Armed while this version waits for room with no worker of its own (see `starving`). */
  #starveTimer: TimerHandle | undefined;
  #failures = 0;
  #lastFailure: BuntimeError | undefined;
  #retryAt = 0;
  /** Requests that reached this version so far (a start's length is measured in them). */
  #arrivals = 0;
  /** `prewarmFrom`: a worker with this many requests may get its successor prewarmed. */
  #prewarmFrom: number;
  /** The worker whose successor was prewarmed, and that successor (see #heldSuccessor). */
  #predecessor: WorkerInstance | undefined;
  #successor: WorkerInstance | undefined;

  constructor(app: AppVersion, deps: VersionPoolDeps) {
    this.app = app;
    this.key = versionKey(app.name, app.version);
    this.#deps = deps;
    this.#prewarmFrom = prewarmFrom(app.config.maxRequests);
  }

  /** Workers that are not draining or gone: what counts against POOL_SIZE. */
  get liveCount(): number {
    return this.#live().length;
  }

  get queued(): number {
    return this.#queue.length;
  }

  /**
   * Whether evicting it loses nothing and wastes nothing: no request waits for it (the waiter
   * would come straight back and evict another: a version ping-ponged) and no worker of it is
   * still starting. Its requests in flight finish as it drains.
   */
  get evictable(): boolean {
    return this.#queue.length === 0 && !this.workers.some((w) => w.state === "creating");
  }

  /** Serves one request on a worker of this version. */
  dispatch(forward: ForwardedRequest): Promise<Response> {
    forward.arrivedAt ??= this.#deps.clock.now();
    this.#arrivals++;
    const worker = this.#takeFree();
    if (worker) {
      this.#deps.counters.hits++;
      return this.#dispatchTo(worker, forward);
    }
    this.#deps.counters.misses++;
    return this.#wait(forward);
  }

  /**
   * The server stops: requests already waiting for a slot are still served by the workers there
   * are (they were accepted, as much as those in flight), no worker is started for them, and the
   * version retires once the queue is empty. What still waits when the grace ends, `kill` fails.
   */
  finish(error: BuntimeError): void {
    this.#closing = error;
    if (this.#queue.length === 0 || this.#live().length === 0) this.retire("shutdown", error);
  }

  /** Drains every worker and refuses new requests (removed, changed on disk, evicted, shutdown). */
  retire(reason: StopReason, error: BuntimeError = new ReplacedError(this.key)): void {
    this.#retired = error;
    this.#deps.clock.clearTimeout(this.#starveTimer);
    for (const worker of this.workers) worker.drain(reason);
    for (const waiter of this.#queue.splice(0)) this.#settle(waiter, error);
  }

  /** Terminates every worker now, failing what is in flight. */
  kill(reason: StopReason, error: BuntimeError): void {
    this.#retired = error;
    this.#deps.clock.clearTimeout(this.#starveTimer);
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
      waiter.resolve(this.#dispatchTo(worker, waiter.forward));
    }
    if (this.#closing && !this.#retired && (this.#queue.length === 0 || this.#live().length === 0)) {
      this.retire("shutdown", this.#closing);
      return;
    }
    if (this.#queue.length > 0) this.#maybeSpawn();
    // In a crash-loop backoff with nothing alive to wait for, waiting requests get the failure now.
    const backoff = this.#queue.length > 0 ? this.#backoffError() : undefined;
    if (backoff) for (const waiter of this.#queue.splice(0)) this.#settle(waiter, backoff);
    if (this.#queue.length === 0) this.#deps.queueEmptied();
  }

  /** Sends a request to `worker`; one near its end may get its successor prewarmed. */
  #dispatchTo(worker: WorkerInstance, forward: ForwardedRequest): Promise<Response> {
    const response = worker.dispatch(forward);
    if (worker.requests >= this.#prewarmFrom) this.#maybePrewarm(worker);
    return response;
  }

  #live(): WorkerInstance[] {
    return this.workers.filter((w) => w.live);
  }

  #takeFree(): WorkerInstance | undefined {
    if (this.#retired) return undefined;
    const { concurrency, maxWorkers } = this.app.config;
    const held = this.#heldSuccessor();
    const index = pickWorker(this.workers, concurrency, held);
    if (index !== -1) return this.workers[index];
    // Nobody else has a free slot: the successor takes what a new worker would be allowed to.
    if (held?.accepts() && held.inFlight < concurrency && successorMayServe(this.#live().length - 1, maxWorkers)) {
      return held;
    }
    return undefined;
  }

  /**
   * The prewarmed successor while its predecessor still takes requests (both live), else
   * undefined: from the predecessor's drain on, the successor is a worker like any other.
   */
  #heldSuccessor(): WorkerInstance | undefined {
    const successor = this.#successor;
    if (successor === undefined) return undefined;
    if (successor.live && this.#predecessor?.live) return successor;
    this.#successor = undefined;
    this.#predecessor = undefined;
    return undefined;
  }

  /**
   * Spawns `worker`'s successor ahead of its drain when `shouldPrewarm` says so: once per
   * worker, never for a retired version or during a crash-loop backoff, only while POOL_SIZE
   * has room (a prewarm never evicts another version), and through the same path as any spawn
   * (reserveWorker, the spawn gate). If it is never used, idleTimeout ends it.
   */
  #maybePrewarm(worker: WorkerInstance): void {
    if (this.#retired || this.#closing || worker.prewarmed || this.#heldSuccessor() !== undefined || this.#inBackoff())
      return;
    const limits = { from: this.#prewarmFrom, maxRequests: this.app.config.maxRequests };
    if (!shouldPrewarm(worker, this.#live(), this.#queue.length, limits) || !this.#deps.hasRoom()) return;
    worker.prewarmed = true;
    this.#predecessor = worker;
    const successor = this.#spawn();
    this.#successor = successor;
    this.#deps.logger.debug("prewarming successor", {
      app: this.key,
      worker: successor.id,
      replaces: worker.id,
      requests: worker.requests,
      maxRequests: this.app.config.maxRequests,
    });
  }

  /**
   * Queues a request for a free slot. A request that was waiting when its version was replaced
   * (changed or removed on disk, evicted) is served by the new version instead: none is lost.
   * Only this path can meet a replacement, so only it pays for the retry.
   */
  #wait(forward: ForwardedRequest): Promise<Response> {
    return this.#enqueue(forward).catch((error) =>
      error instanceof ReplacedError ? this.#deps.redispatch(this.app, forward, error) : Promise.reject(error),
    );
  }

  #enqueue(forward: ForwardedRequest): Promise<Response> {
    if (this.#retired) return Promise.reject(this.#retired);
    if (this.#closing) return Promise.reject(this.#closing);
    const backoff = this.#backoffError();
    if (backoff) return Promise.reject(backoff);
    const { maxQueue, timeout } = this.app.config;
    // A held successor is no slot on its way: what it may take, it takes from #takeFree.
    const held = this.#heldSuccessor();
    const live = held ? this.#live().filter((w) => w !== held) : this.#live();
    if (!canQueue(this.#queue.length, maxQueue, incomingSlots(live, this.app.config))) {
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
            if (this.#queue.length === 0) this.#deps.queueEmptied();
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
    if (!this.#inBackoff() || this.liveCount > 0) return undefined;
    const wait = this.#retryAt - this.#deps.clock.now();
    const message = `${this.#lastFailure?.message ?? `${this.key} failed to start`} (next start in ${Math.ceil(wait / 1000)}s)`;
    return new BuntimeError("WORKER_START_FAILED", message);
  }

  /** Whether the last start failed and its backoff has not passed yet. */
  #inBackoff(): boolean {
    return this.#failures > 0 && this.#retryAt > this.#deps.clock.now();
  }

  #maybeSpawn(): void {
    if (this.#retired || this.#closing || this.#backoffError()) return;
    if (!shouldSpawn(this.#live(), this.#queue.length, this.app.config)) return;
    // POOL_SIZE is full of versions busy or starting: the queue waits until one can go, rather
    // than evicting one that would come straight back. Not for long: with no worker of its own,
    // a quarter of the oldest request's timeout on, this version may evict a busy one after all
    // (`starving`), or the others, always busy, would keep it out until every request timed out.
    if (!this.#deps.reserveWorker(this)) {
      this.#armStarving();
      return;
    }
    this.#deps.clock.clearTimeout(this.#starveTimer);
    this.#starveTimer = undefined;
    this.#spawn();
  }

  /**
   * Whether this version has waited for room long enough to evict a version that is busy: no
   * worker of its own, and its oldest request a quarter of its timeout old.
   */
  get starving(): boolean {
    const oldest = this.#queue[0]?.forward.arrivedAt;
    return (
      oldest !== undefined && this.#live().length === 0 && this.#deps.clock.now() - oldest >= this.#starveAfterMs()
    );
  }

  #starveAfterMs(): number {
    return (this.app.config.timeout * 1000) / 4;
  }

  /** Pumps again once the oldest waiting request would make this version `starving`. */
  #armStarving(): void {
    const oldest = this.#queue[0]?.forward.arrivedAt;
    if (this.#starveTimer !== undefined || oldest === undefined || this.#live().length > 0) return;
    const wait = Math.max(0, oldest + this.#starveAfterMs() - this.#deps.clock.now());
    this.#starveTimer = this.#deps.clock.setTimeout(() => {
      this.#starveTimer = undefined;
      this.pump();
    }, wait);
  }

  /**
   * Starts one worker (it spawns once the gate lets it); the caller made room in the pool-wide budget.
   * Once it is ready, the requests that arrived meanwhile set how early the next successor is
   * prewarmed (`prewarmFrom`).
   */
  #spawn(): WorkerInstance {
    const worker = new WorkerInstance(this.app, { ...this.#deps, onChange: () => this.pump() });
    this.workers.push(worker);
    const arrivals = this.#arrivals;
    worker.ready.then(
      () => {
        this.#failures = 0;
        this.#prewarmFrom = prewarmFrom(this.app.config.maxRequests, this.#arrivals - arrivals);
      },
      (error: BuntimeError) => this.#onStartFailed(error),
    );
    return worker;
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
 * The pool serves such a request again (`redispatch`) instead of answering it, so none is lost.
 */
export class ReplacedError extends BuntimeError {
  constructor(key: VersionKey) {
    super("APP_OVERLOADED", `${key} was replaced while the request waited; retry`, { "retry-after": "1" });
  }
}
