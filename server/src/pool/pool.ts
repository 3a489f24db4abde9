import type { WorkerInfo } from "@buntime/sdk";
import type { AppVersion } from "../apps/config.ts";
import { Installer } from "../apps/install.ts";
import { keyOf, type VersionKey } from "../apps/version-key.ts";
import { BuntimeError } from "../errors.ts";
import type { Logger } from "../util/log.ts";
import { type Clock, realClock } from "./clock.ts";
import { newPoolCounters, type PoolCounters } from "./counters.ts";
import { PoolEmitter, type StopReason } from "./events.ts";
import type { ForwardedRequest } from "./exchange.ts";
import { RecencyList } from "./lru.ts";
import { DEFAULT_TIMING, Gate, type PoolTiming } from "./timing.ts";
import type { OpenTransport } from "./transport.ts";
import { VersionPool, type VersionPoolDeps } from "./version-pool.ts";

export interface WorkerPoolOptions {
  /** Most live workers in total (POOL_SIZE); past it the least recently used version is evicted. */
  size: number;
  logger: Logger;
  clock?: Clock;
  timing?: Partial<PoolTiming>;
  counters?: PoolCounters;
  /** Modules every worker loads before the app (the emulator's outbound mocks). */
  preload?: string[];
  /** The transport of an app version's workers (`isolation/`); default: threads for all. */
  openTransport?: (app: AppVersion) => OpenTransport;
  /**
   * Resolves a request's version again (its `range` against what is on disk now): a request
   * that waited for a version replaced or removed under it is served by that one. Without it,
   * such a request fails with the ReplacedError (503 with Retry-After).
   */
  reload?: (app: AppVersion, forward: ForwardedRequest) => AppVersion | Promise<AppVersion>;
  /** `server.publish` from an app, to a version-prefixed topic (the HTTP server's pub/sub). */
  publish?: (topic: string, data: string | Uint8Array) => void;
}

/** Dispatches of one request after its version was replaced, before it fails instead. */
const MAX_REDISPATCHES = 2;

/** One live worker, as `/_/stats` shows it: the SDK's `WorkerInfo`, so plugins see the same shape. */
export type WorkerSnapshot = WorkerInfo;

/** What `close` could not end cleanly (both empty: everything drained within the grace). */
export interface CloseReport {
  /** Requests still in flight when the grace ran out: they were answered 503 `SHUTTING_DOWN`. */
  cutOff: number;
  /**
   * Workers whose thread did not close when terminated (blocked in a system call), with the
   * requests each had in flight. Only the process's exit ends such a thread.
   */
  abandoned: { app: VersionKey; worker: number; requests: number }[];
  /** Threads still running, blocked: those just abandoned and any abandoned earlier that never returned. */
  leakedThreads: number;
}

/**
 * All workers of all app versions. Keyed by `name@version`; versions are kept in exact LRU
 * order, and when a new worker would pass `size`, the least recently used other version is
 * drained (its in-flight requests finish, then its workers terminate).
 */
export class WorkerPool {
  readonly events = new PoolEmitter();
  readonly clock: Clock;
  readonly timing: PoolTiming;
  readonly counters: PoolCounters;
  readonly #size: number;
  readonly #logger: Logger;
  readonly #spawnGate: Gate;
  readonly #installer: Installer;
  readonly #preload: string[];
  /** What every VersionPool of this pool shares. */
  readonly #versionDeps: VersionPoolDeps;
  readonly #versions = new Map<VersionKey, VersionPool>();
  readonly #recency = new RecencyList<VersionKey>();
  /** Versions retired (changed, removed, evicted) whose workers are still draining. */
  readonly #retiring = new Set<VersionPool>();
  /** Versions whose waiting requests need a worker POOL_SIZE has no room for yet. */
  readonly #waitingForRoom = new Set<VersionPool>();
  #wakeQueued = false;
  #closed = false;

  constructor(options: WorkerPoolOptions) {
    this.#size = options.size;
    this.#logger = options.logger;
    this.clock = options.clock ?? realClock;
    this.timing = { ...DEFAULT_TIMING, ...options.timing };
    this.counters = options.counters ?? newPoolCounters();
    this.#spawnGate = new Gate(this.timing.maxConcurrentSpawns);
    this.#installer = new Installer(options.logger);
    this.#preload = options.preload ?? [];
    this.#versionDeps = {
      clock: this.clock,
      logger: this.#logger,
      events: this.events,
      timing: this.timing,
      counters: this.counters,
      preload: this.#preload,
      ...(options.openTransport ? { openTransport: options.openTransport } : {}),
      ...(options.publish ? { publish: options.publish } : {}),
      spawnPermit: () => this.#spawnGate.acquire(),
      reserveWorker: (p) => this.#reserveWorker(p),
      queueEmptied: () => this.#wakeWaiting(),
      hasRoom: () => this.#liveWorkers() < this.#size,
      redispatch: (app, forward, error) => {
        forward.retries = (forward.retries ?? 0) + 1;
        const { reload } = options;
        if (!reload || forward.retries > MAX_REDISPATCHES) return Promise.reject(error);
        return Promise.resolve()
          .then(() => reload(app, forward))
          .then((next) => this.dispatch(next, forward));
      },
    };
    // Room may have freed: a worker ended, or a version's worker finished starting (evictable now).
    this.events.on("terminate", () => this.#wakeWaiting());
    this.events.on("ready", () => this.#wakeWaiting());
  }

  /** Serves one request on a worker of `app`, starting one (after `autoInstall`) if needed. */
  dispatch(app: AppVersion, forward: ForwardedRequest): Promise<Response> {
    // Not async on purpose: the hot path adds no promise of its own.
    if (app.config.autoInstall) return this.#installer.ensure(app).then(() => this.#dispatch(app, forward));
    return this.#dispatch(app, forward);
  }

  #dispatch(app: AppVersion, forward: ForwardedRequest): Promise<Response> {
    if (this.#closed) return Promise.reject(new BuntimeError("SHUTTING_DOWN", "the server is shutting down"));
    const key = keyOf(app);
    let pool = this.#versions.get(key);
    if (pool === undefined || pool.app !== app) {
      if (pool) this.#retire(pool, "changed");
      pool = new VersionPool(app, this.#versionDeps);
      this.#versions.set(key, pool);
    }
    this.#recency.touch(key);
    return pool.dispatch(forward);
  }

  /** Drains a version's workers; the next request starts fresh ones (new config or code). */
  retire(key: VersionKey, reason: StopReason): void {
    const pool = this.#versions.get(key);
    if (pool) this.#retire(pool, reason);
  }

  /**
   * Workers about to change state on their own (starting, or draining with nothing left in
   * flight): zero means the pool has settled. The virtual clock waits for it between timers.
   */
  pendingTransitions(): number {
    let pending = 0;
    for (const pool of this.#allVersionPools()) {
      for (const w of pool.workers) {
        if (w.state === "creating" || (w.state === "draining" && w.inFlight === 0 && w.sockets === 0)) pending++;
      }
    }
    return pending;
  }

  /** Requests in flight in workers, plus those waiting in queues. */
  busy(): number {
    let busy = 0;
    for (const pool of this.#allVersionPools()) {
      busy += pool.queued;
      for (const w of pool.workers) busy += w.inFlight;
    }
    return busy;
  }

  /** Every live worker. */
  snapshot(): WorkerSnapshot[] {
    const now = this.clock.now();
    return this.#allVersionPools().flatMap((pool) =>
      pool.workers
        .filter((w) => w.state !== "terminated")
        .map((w) => ({
          id: w.id,
          app: w.app.name,
          version: w.app.version,
          state: w.state,
          requests: w.requests,
          inFlight: w.inFlight,
          sockets: w.sockets,
          errors: w.errors,
          ageMs: Math.round(now - w.startedAt),
          idleMs: w.inFlight > 0 || w.sockets > 0 ? 0 : Math.round(now - w.lastUsedAt),
          memory: { heapUsed: w.heapUsed, rss: w.rss },
        })),
    );
  }

  /**
   * Stops everything: waits up to `graceMs` for in-flight requests to finish, then fails the
   * rest and terminates every worker, resolving once every thread closed or was abandoned
   * (`closeWaitMs` after its terminate), so at most `graceMs + closeWaitMs` after the call
   * (real time). Logs and reports what it cut off and abandoned. Idempotent.
   */
  async close(graceMs = 0): Promise<CloseReport> {
    this.#closed = true;
    const pools = this.#allVersionPools();
    const shuttingDown = new BuntimeError("SHUTTING_DOWN", "the server is shutting down");
    for (const pool of pools) pool.finish(shuttingDown);
    const workers = pools.flatMap((p) => p.workers);
    const allClosed = Promise.all(workers.map((w) => w.closed));
    if (graceMs > 0) {
      let timer: ReturnType<typeof setTimeout> | undefined;
      await Promise.race([allClosed, new Promise((r) => (timer = setTimeout(r, graceMs)))]);
      clearTimeout(timer);
    }
    const cutOff = this.busy();
    if (cutOff > 0) {
      const apps = [...new Set(workers.filter((w) => w.inFlight > 0).map((w) => w.key))];
      this.#logger.warn("shutdown grace over; cutting off requests", { requests: cutOff, apps, graceMs });
    }
    for (const pool of pools) pool.kill("shutdown", shuttingDown);
    await allClosed;
    this.#versions.clear();
    this.#retiring.clear();
    const abandoned = workers.flatMap((w) =>
      w.abandoned ? [{ app: w.key, worker: w.id, requests: w.abandoned.requests }] : [],
    );
    const { leakedThreads } = this.counters;
    if (leakedThreads > 0) {
      const requests = abandoned.reduce((sum, w) => sum + w.requests, 0);
      this.#logger.error("shutdown leaves worker threads blocked in apps", {
        workers: abandoned,
        requests,
        leakedThreads,
      });
    }
    return { cutOff, abandoned, leakedThreads };
  }

  #allVersionPools(): VersionPool[] {
    return [...this.#versions.values(), ...this.#retiring];
  }

  #retire(pool: VersionPool, reason: StopReason): void {
    if (this.#versions.get(pool.key) === pool) {
      this.#versions.delete(pool.key);
      this.#recency.delete(pool.key);
    }
    this.#retiring.add(pool);
    pool.retire(reason);
    void Promise.all(pool.workers.map((w) => w.closed)).then(() => this.#retiring.delete(pool));
  }

  /** Makes room for one more worker by evicting least recently used versions. */
  #liveWorkers(): number {
    let live = 0;
    for (const pool of this.#versions.values()) live += pool.liveCount;
    return live;
  }

  /**
   * Makes room for one more worker of `requester`, evicting the least recently used versions
   * that can go (`VersionPool.evictable`). False when the pool is full of versions that cannot:
   * the requester waits, and is pumped again once room may have freed (`#wakeWaiting`).
   */
  #reserveWorker(requester: VersionPool): boolean {
    let live = this.#liveWorkers();
    // A version that has waited too long (`starving`) may evict a busy one, as a last resort.
    for (const force of requester.starving ? [false, true] : [false]) {
      for (const key of [...this.#recency.oldestFirst()]) {
        if (live < this.#size) break;
        const pool = this.#versions.get(key);
        if (!pool || pool === requester || !(force || pool.evictable)) continue;
        live -= pool.liveCount;
        this.#logger.info("evicting least recently used app version", { app: key, busy: force });
        this.counters.evictions++;
        this.#retire(pool, "evicted");
      }
    }
    if (live < this.#size) return true;
    this.#waitingForRoom.add(requester);
    return false;
  }

  /**
   * Pumps the versions waiting for room (a worker ended or started, a version's queue emptied),
   * in a microtask: called from inside a worker's event, a pump there could evict that worker
   * while its own handler still runs (its stop reason lost), and events reached their listeners
   * out of order.
   */
  #wakeWaiting(): void {
    if (this.#waitingForRoom.size === 0 || this.#wakeQueued) return;
    this.#wakeQueued = true;
    queueMicrotask(() => {
      this.#wakeQueued = false;
      for (const pool of [...this.#waitingForRoom]) {
        this.#waitingForRoom.delete(pool);
        if (this.#versions.get(pool.key) !== pool) continue;
        try {
          pool.pump();
        } catch (error) {
          this.#logger.error("waking a version waiting for room failed", { app: pool.key, error: String(error) });
        }
      }
    });
  }
}
