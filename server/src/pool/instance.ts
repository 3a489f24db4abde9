import type { AppVersion } from "../apps/config.ts";
import { type VersionKey, versionKey } from "../apps/version-key.ts";
import { BuntimeError } from "../errors.ts";
import { parseGuestMessage } from "../protocol/guest-messages.ts";
import { LOG_LINES } from "../protocol/limits.ts";
import {
  createSender,
  type GuestMessage,
  type HostMessage,
  ProtocolError,
  receive,
  sketch,
  unreachable,
} from "../protocol/protocol.ts";
import { bounded } from "../util/bounded.ts";
import { IdTable } from "../util/id-table.ts";
import { TokenBucket } from "../util/token-bucket.ts";
import { AbortWatch } from "./abort-watch.ts";
import type { StopReason } from "./events.ts";
import { Exchange, type ExchangeOwner, type ForwardedRequest } from "./exchange.ts";
import { Inbox } from "./inbox.ts";
import type { InstanceDeps } from "./instance-deps.ts";
import { Liveness } from "./liveness.ts";
import { CLOSE_CODES } from "./socket.ts";
import { accepts, transition, type WorkerState } from "./state.ts";
import { ThreadExit } from "./thread-exit.ts";
import { Timers } from "./timing.ts";
import { openThread, type Transport } from "./transport.ts";
import { WorkerSockets } from "./worker-sockets.ts";
import { WorkerStart } from "./worker-start.ts";

export type { InstanceDeps } from "./instance-deps.ts";

const MB = 1024 * 1024;
/** Characters of an app's error message kept for the client and the log (docs/errors.md APP_ERROR). */
export const APP_MESSAGE_CHARS = 1024;
/** Characters of a protocol fault's description kept for the log and the 502. */
const PROTOCOL_FAULT_CHARS = 300;

let nextWorkerId = 1;

/**
 * One worker running one app version (a Bun Worker thread or a child process, behind its
 * `Transport`), on the host side: its lifecycle (`state.ts`), its
 * exchanges in flight, and every timer that recycles it (ttl, idle, heartbeat). All time comes
 * from the injected clock. Never terminates a worker before it reported `ready` or
 * `start-failed` (that has crashed Bun); `closed` resolves on the thread's `close` event, or
 * when the thread is abandoned: a thread blocked in a system call ignores `terminate()`, so
 * one that has not closed `closeWaitMs` after it (or after a shutdown's kill) is given up on
 * (`thread-exit.ts`). Its WebSockets are `worker-sockets.ts`.
 */
export class WorkerInstance {
  readonly id = nextWorkerId++;
  readonly key: VersionKey;
  readonly app: AppVersion;
  readonly startedAt: number;
  /** Resolves when the app is loaded; rejects with WORKER_START_FAILED. */
  readonly ready: Promise<void>;
  /** Resolves once the worker thread is gone. */
  readonly closed: Promise<void>;
  state: WorkerState = "creating";
  requests = 0;
  errors = 0;
  lastUsedAt: number;
  heapUsed = 0;
  rss = 0;
  /** Its pool already prewarmed a successor for it (once per worker). */
  prewarmed = false;
  /**
   * Set when the thread was given up on (see #abandon): how many requests it had in flight
   * when it was killed. Its thread may still be running, blocked, until the process exits.
   */
  abandoned: { requests: number } | undefined;

  readonly #deps: InstanceDeps<WorkerInstance>;
  /** Lifecycle timers (ttl, idle, request timeouts) on the injected clock. */
  readonly #timers: Timers;
  /**
   * The log lines this worker may hand over: the guest keeps to RATE lines/s itself, but app code
   * can post log messages of its own. Looser than the guest's (a host busy for a while receives a
   * guest's lines late, in a bunch); what is over it is counted as dropped.
   */
  readonly #logBudget = new TokenBucket(LOG_LINES.rate, LOG_LINES.burst * 10, performance.now());
  /** Heartbeat and probes (real time: they watch a real thread). */
  readonly #liveness: Liveness;
  /** Client-abort watching for slow requests (real time: it is about the socket). */
  readonly #aborts = new AbortWatch();
  /** The spawn permit, `ready`, the start deadline. */
  readonly #start = new WorkerStart();
  /** The onTerminate grace, terminate, the wait for close, abandonment. */
  readonly #exit: ThreadExit;
  readonly #exchanges = new IdTable<Exchange>();
  /** Each exchange's timeout deadline, by exchange id (arrival order, see #armTimeouts). */
  readonly #deadlines = new IdTable<number>();
  /** Open WebSockets the app upgraded (by request id): they keep the worker from idling. */
  readonly #sockets: WorkerSockets;
  #worker: Transport | undefined;
  /** The worker runs as a thread of this process (not a process: see the `abandon` event). */
  #inThread = true;
  #post: ((message: HostMessage) => void) | undefined;
  #nextExchangeId = 1;
  /** What every exchange of this worker sends through and reports its end to. */
  readonly #exchangeOwner: ExchangeOwner = {
    send: (message) => this.#send(message),
    ended: (exchange) => this.#onExchangeEnd(exchange),
  };
  /** The app has `onIdle`: tell it when the last request ends (else save the message). */
  #wantsIdle = false;
  #stopReason: StopReason | undefined;
  #stopping = false;
  #closedResolve!: () => void;

  constructor(app: AppVersion, deps: InstanceDeps<WorkerInstance>) {
    this.app = app;
    this.key = versionKey(app.name, app.version);
    this.#deps = deps;
    this.#timers = new Timers(deps.clock);
    this.#sockets = new WorkerSockets({
      key: this.key,
      clock: deps.clock,
      send: (message) => this.#send(message),
      sent: (id) => id < this.#nextExchangeId,
      onGone: () => {
        this.lastUsedAt = this.#deps.clock.now();
        this.#settle();
      },
      publish: deps.publish,
    });
    this.#exit = new ThreadExit({
      key: this.key,
      workerId: this.id,
      logger: deps.logger,
      timing: deps.timing,
      counters: deps.counters,
      reason: () => this.#stopReason,
      ended: () => this.state === "terminated",
      onAbandon: (abandoned) => {
        this.abandoned = abandoned;
        this.#finish();
        this.#deps.events.emit("abandon", { key: this.key, workerId: this.id, ...abandoned, thread: this.#inThread });
      },
    });
    this.#liveness = new Liveness({
      ping: (seq) => this.#send({ type: "ping", seq }),
      onUnresponsive: () => this.#onUnresponsive(),
      heartbeatMs: deps.timing.heartbeatMs,
      heartbeatDeadlineMs: app.config.timeout * 1000,
    });
    this.startedAt = deps.clock.now();
    this.lastUsedAt = this.startedAt;
    this.ready = this.#start.ready;
    this.closed = new Promise((resolve) => {
      this.#closedResolve = resolve;
    });
    void deps.spawnPermit().then((release) => this.#spawn(release));
  }

  get inFlight(): number {
    return this.#exchanges.size;
  }

  /** Open WebSockets (and upgrades on their way to the client). */
  get sockets(): number {
    return this.#sockets.size;
  }

  /** Live: not draining or gone, and not a failed start waiting for its thread to close. */
  get live(): boolean {
    return (
      this.state !== "draining" && this.state !== "terminated" && !this.#stopping && this.#stopReason !== "start-failed"
    );
  }

  /** Whether this worker can take one more request now. */
  accepts(): boolean {
    return !this.#stopping && accepts(this.state) && this.requests < this.app.config.maxRequests;
  }

  /** Sends one request through this worker. The caller checked `accepts()`. */
  dispatch(forward: ForwardedRequest): Promise<Response> {
    if (this.state === "ready" || this.state === "idle") this.#setState("active");
    this.requests++;
    this.lastUsedAt = this.#deps.clock.now();
    const exchange = new Exchange(this.#nextExchangeId++, this.#exchangeOwner);
    this.#exchanges.set(exchange.id, exchange);
    this.#deadlines.set(exchange.id, (forward.arrivedAt ?? this.lastUsedAt) + this.app.config.timeout * 1000);
    this.#armTimeouts();
    this.#aborts.add(exchange, forward.request);
    exchange.start(forward);
    // The request that reaches maxRequests is the last: recycle once it (and the rest) finish.
    if (this.requests >= this.app.config.maxRequests) this.drain("max-requests");
    return exchange.response;
  }

  /**
   * Stops taking requests; terminates once the in-flight ones finish. Before `ready` it
   * waits for the worker to finish starting (terminating earlier has crashed Bun).
   */
  drain(reason: StopReason): void {
    if (this.state === "draining" || this.state === "terminated") return;
    this.#stopReason ??= reason;
    if (this.state === "creating") return; // #onReady sees #stopReason and drains then
    this.#setState("draining");
    this.#timers.clear("idle");
    this.#timers.clear("ttl");
    this.#deps.events.emit("recycle", { key: this.key, workerId: this.id, reason });
    this.#deps.onChange(this);
    this.#armSocketGrace(reason);
    if (this.#exchanges.size === 0 && this.#sockets.size === 0) this.#stop();
  }

  /**
   * A draining worker's sockets may stay a while (clients reconnect to the successor as they
   * close), not past the bound: then 1012, service restart. Armed by `drain`, and again by an
   * upgrade that arrives while draining (its request was in flight at the recycle).
   */
  #armSocketGrace(reason: StopReason | undefined): void {
    if (this.#sockets.size === 0 || this.#timers.has("sockets")) return;
    this.#timers.set("sockets", this.#deps.timing.socketGraceMs, () =>
      this.#sockets.closeAll(CLOSE_CODES.serviceRestart, `worker ${reason}`, true),
    );
  }

  /**
   * Fails every exchange now and terminates (shutdown, an unresponsive event loop). A worker
   * still loading is not terminated (that has crashed Bun): it gets `closeWaitMs` to report,
   * then is abandoned like a thread that ignores `terminate()`.
   */
  kill(reason: StopReason, error: BuntimeError): void {
    if (this.state === "terminated") return;
    this.#stopReason ??= reason;
    // Before the requests fail: each one's end would otherwise hand its slot to a queued request.
    // (A worker still loading takes none; it stops once it reports, see `#onReady`.)
    if (this.#start.settled) this.#stopping = true;
    this.#exit.killedInFlight += this.#exchanges.size;
    this.#sockets.closeAll(
      reason === "unresponsive" ? CLOSE_CODES.internalError : CLOSE_CODES.serviceRestart,
      reason,
      false,
    );
    this.#failAll(error);
    if (this.#start.settled) this.#terminateNow();
    else this.#exit.awaitClose();
  }

  #spawn(release: () => void): void {
    if (this.state === "terminated") {
      // Ended while it waited for its permit (evicted, then killed): no thread, and the permit back.
      release();
      return;
    }
    this.#start.permitted(release);
    if (this.#stopReason === "shutdown") {
      // Shut down before it even started: nothing to terminate.
      this.#onClose();
      return;
    }
    const { config } = this.app;
    const open = this.#deps.openTransport?.(this.app) ?? openThread;
    this.#inThread = open === openThread;
    let worker: Transport;
    const inbox = new Inbox({
      handle: (data) => this.#onWire(data),
      onOverflow: (backlog) =>
        this.#onCrash(`posted faster than the host can read (${Math.round(backlog / MB)} MB waiting)`),
    });
    try {
      worker = open(
        this.app,
        {
          onMessage: (data) => inbox.take(data),
          // After what it posted before: its last answers come first.
          onError: (message) => inbox.after(() => this.#onCrash(message)),
          onClose: (how) => inbox.after(() => this.#onClose(how)),
        },
        this.#deps.preload,
      );
    } catch (error) {
      // A process that could not be spawned (a missing user, an exhausted pid table).
      this.#onStartFailed(`could not start its worker: ${describe(error)}`);
      this.#onClose();
      return;
    }
    this.#worker = worker;
    this.#post = createSender((data, transfer) => worker.post(data, transfer));
    this.#deps.events.emit("spawn", { key: this.key, workerId: this.id });
    const { name, version, dir, entrypoint, kind } = this.app;
    this.#send({ type: "init", name, version, dir, entrypoint, kind, maxMemoryBytes: (config.maxMemory ?? 0) * MB });
    // An app whose loading never ends (a top-level await that never settles, a loop) would
    // hold its thread forever: past the app's `timeout` it could not answer in time anyway.
    // (Terminating a worker stuck in the app's dynamic import is safe in Bun 1.4; one stuck in
    // its own top-level code never closes, which is why the guest imports the app.)
    this.#start.deadline(config.timeout * 1000, () =>
      this.#onStartFailed(`did not finish loading within ${config.timeout}s`),
    );
  }

  /**
   * Everything the worker posts arrives here. App code shares the thread and can post anything,
   * so every message is checked at this edge: one that is not the protocol, or that the host
   * cannot use (a header `Headers` refuses), means the worker no longer speaks it, and it is
   * treated as crashed, never the host (nothing thrown here may escape: it would end the
   * process). Messages before the fault in the same post are handled.
   */
  #onWire(data: unknown): void {
    // A thread abandoned while loading that speaks again is back in JavaScript: end it now.
    if (this.state === "terminated") {
      this.#exit.terminateLate(this.abandoned ? this.#worker : undefined);
      return;
    }
    if (this.#stopReason === "crashed") return; // the rest is noise
    try {
      receive(data, (value) => this.#onMessage(parseGuestMessage(value)));
    } catch (error) {
      const what =
        error instanceof ProtocolError ? error.message : `a message the host could not use: ${describe(error)}`;
      this.#onCrash(`protocol violation: ${bounded(what, PROTOCOL_FAULT_CHARS)}`);
    }
  }

  /**
   * The exchange a message from the worker is about: undefined when it already ended (an answer
   * racing its timeout or its client's abort is normal); an id it was never sent is a fault.
   */
  #exchangeFor(id: number): Exchange | undefined {
    if (id >= this.#nextExchangeId) throw new ProtocolError(`a message about request ${id}, never sent to it`);
    return this.#exchanges.get(id);
  }

  #onMessage(message: GuestMessage): void {
    switch (message.type) {
      case "ready":
        this.#wantsIdle = message.onIdle;
        this.#onReady();
        return;
      case "start-failed":
        this.#onStartFailed(bounded(message.message, APP_MESSAGE_CHARS));
        return;
      case "response-head":
        this.#exchangeFor(message.id)?.onHead(message);
        return;
      case "response-chunk":
        this.#exchangeFor(message.id)?.onChunk(message);
        return;
      case "app-error": {
        const exchange = this.#exchangeFor(message.id);
        if (!exchange) return;
        this.errors++;
        // The app's own text: bounded for the log and the client (an app may throw megabytes).
        const error = bounded(message.message, APP_MESSAGE_CHARS);
        this.#deps.logger.warn("app error", { app: this.key, worker: this.id, error });
        exchange.fail(new BuntimeError("APP_ERROR", error));
        return;
      }
      case "request-pull":
        void this.#exchangeFor(message.id)?.pullRequestBody();
        return;
      case "pong":
        this.#onPong(message.seq, message.heapUsed, message.rss);
        return;
      case "log": {
        // Real time: a rate of lines as they arrive, not a timer (a virtual clock may stand still).
        const kept = this.#logBudget.take(message.lines.length, performance.now());
        this.#deps.events.emit("log", {
          key: this.key,
          workerId: this.id,
          lines: kept === message.lines.length ? message.lines : message.lines.slice(0, kept),
          dropped: message.dropped + message.lines.length - kept,
        });
        return;
      }
      case "upgrade":
        this.#sockets.upgrade(message, this.#exchangeFor(message.id), this.app.config.timeout * 1000);
        if (this.state === "draining") this.#armSocketGrace(this.#stopReason);
        return;
      case "ws-send":
      case "ws-publish":
      case "ws-subscribe":
      case "ws-end":
      case "ws-ack":
        this.#sockets.onMessage(message);
        return;
      case "stopped":
        // The answer to `stop`; unasked, a worker could have itself terminated before `ready`.
        if (!this.#stopping) throw new ProtocolError("stopped without being asked to stop");
        this.#terminateNow();
        return;
      default:
        unreachable(message);
    }
  }

  #onReady(): void {
    // Ready after its start deadline failed it, or after it was abandoned: it is going.
    if (this.state === "terminated" || !this.#start.succeed()) return;
    this.#setState("ready");
    this.#deps.events.emit("ready", {
      key: this.key,
      workerId: this.id,
      startMs: this.#deps.clock.now() - this.startedAt,
    });
    const { ttl } = this.app.config;
    if (ttl > 0) this.#timers.set("ttl", ttl * 1000, () => this.drain("ttl"));
    this.#armIdle();
    this.#liveness.start();
    if (this.#stopReason !== undefined) {
      const reason = this.#stopReason;
      this.#stopReason = undefined;
      this.drain(reason);
      return;
    }
    this.#deps.onChange(this);
  }

  #onStartFailed(message: string): void {
    // A late failure after a start deadline already failed it, or after it was abandoned.
    if (this.state === "terminated") return;
    if (!this.#start.fail(new BuntimeError("WORKER_START_FAILED", `${this.key} failed to start: ${message}`))) return;
    this.#stopReason = "start-failed";
    this.#deps.logger.error("app failed to start", { app: this.key, worker: this.id, error: message });
    this.#terminateNow();
  }

  #onTimeout(exchange: Exchange): void {
    if (exchange.ended) return;
    this.errors++;
    const { timeout } = this.app.config;
    // A timed-out worker never serves another request: drain first, so that the slot this
    // request frees is not handed to a queued one. If its event loop is stuck, the probe
    // kills it at once so its other requests do not wait for their own timeouts.
    this.drain("timeout");
    exchange.abort("timeout", new BuntimeError("APP_TIMEOUT", `${this.key} did not answer within ${timeout}s`));
    this.#liveness.probe(this.#deps.timing.probeMs);
  }

  #onExchangeEnd(exchange: Exchange): void {
    this.#exchanges.delete(exchange.id);
    this.#deadlines.delete(exchange.id);
    this.#aborts.delete(exchange);
    this.lastUsedAt = this.#deps.clock.now();
    this.#settle();
  }

  /**
   * After a request or a socket ended: with neither left, an active worker goes idle and a
   * draining one stops. Open sockets count like requests in flight.
   */
  #settle(): void {
    const none = this.#exchanges.size === 0 && this.#sockets.size === 0;
    if (this.state === "active" && none) {
      this.#setState("idle");
      if (this.#wantsIdle) this.#send({ type: "idle" });
      this.#armIdle();
    }
    if (this.state === "draining" && none) {
      this.#timers.clear("sockets");
      this.#stop();
    }
    this.#deps.onChange(this);
  }

  /**
   * One idle timer, re-armed lazily: requests only move `lastUsedAt`, and the timer, when it
   * fires, drains the worker if it really has been idle that long, or sleeps for the rest.
   * (A timer per request costs more than the whole request's bookkeeping.)
   */
  #armIdle(): void {
    if (this.#timers.has("idle")) return;
    const idleMs = this.app.config.idleTimeout * 1000;
    const wait = Math.max(0, this.lastUsedAt + idleMs - this.#deps.clock.now());
    this.#timers.set("idle", wait, () => {
      if (this.state !== "idle" && this.state !== "ready") return; // re-armed when it goes idle
      if (this.#deps.clock.now() - this.lastUsedAt >= idleMs) this.drain("idle");
      else this.#armIdle();
    });
  }

  /**
   * One timer for every request timeout of this worker. All its requests share one `timeout`,
   * so deadlines grow in arrival order: the oldest exchange (the lowest id in the table) is
   * always the next to expire. The timer wakes for it, times out what is due, and sleeps until
   * the next.
   */
  #armTimeouts(): void {
    if (this.#timers.has("timeouts")) return;
    const first = this.#deadlines.first();
    if (first === undefined) return;
    this.#timers.set("timeouts", Math.max(0, first - this.#deps.clock.now()), () => {
      const now = this.#deps.clock.now();
      for (const [id, deadline] of this.#deadlines.entries()) {
        if (deadline > now) break;
        this.#deadlines.delete(id);
        const exchange = this.#exchanges.get(id);
        if (!exchange) continue;
        this.#aborts.delete(exchange);
        this.#onTimeout(exchange);
      }
      this.#armTimeouts();
    });
  }

  #onPong(seq: number, heapUsed: number, rss: number): void {
    this.heapUsed = heapUsed;
    this.rss = rss;
    this.#liveness.pong(seq);
    const { maxMemory } = this.app.config;
    if (maxMemory !== undefined && heapUsed > maxMemory * MB) this.drain("max-memory");
  }

  #onUnresponsive(): void {
    if (this.state === "terminated") return;
    this.#deps.logger.error("worker unresponsive; terminating", { app: this.key, worker: this.id });
    this.#deps.events.emit("crash", { key: this.key, workerId: this.id, message: "event loop unresponsive" });
    this.kill("unresponsive", new BuntimeError("WORKER_CRASHED", `${this.key} stopped responding`));
  }

  /** Graceful end: the app's `onTerminate` (bounded by stopGraceMs), then terminate. */
  #stop(): void {
    if (this.#stopping || this.state === "terminated") return;
    this.#stopping = true;
    this.#exit.stop(
      () => this.#send({ type: "stop" }),
      () => this.#terminateNow(),
    );
  }

  /**
   * Terminates the thread; `close` should follow within milliseconds (else `#exit` abandons it).
   * Liveness stops here: a terminated thread's silence is expected, not a new crash every heartbeat.
   */
  #terminateNow(): void {
    this.#stopping = true;
    this.#liveness.stop();
    this.#exit.terminate(this.#worker);
  }

  #onCrash(message: string): void {
    if (this.state === "terminated") return;
    this.#deps.logger.error("worker crashed", { app: this.key, worker: this.id, error: message });
    this.#deps.events.emit("crash", { key: this.key, workerId: this.id, message });
    this.#stopReason = "crashed";
    // Before the requests fail: each one's end would otherwise hand its slot to a queued request,
    // which went into the dead worker and got 502 too.
    this.#stopping = true;
    this.#sockets.closeAll(CLOSE_CODES.internalError, "worker crashed", false);
    this.#failAll(new BuntimeError("WORKER_CRASHED", `${this.key} crashed: ${message}`));
    this.#start.fail(new BuntimeError("WORKER_START_FAILED", `${this.key} failed to start: ${message}`));
    // The thread may still be alive after an `error` event; make sure it goes.
    this.#terminateNow();
  }

  #onClose(how?: string): void {
    if (this.abandoned && this.#worker) {
      // An abandoned thread came back from its system call and ended after all.
      this.#worker = undefined;
      this.#exit.closedAfterAbandon();
      return;
    }
    if (this.state === "terminated") return;
    // Nobody asked it to stop: the app exited (process.exit) or the thread died.
    if (!this.#stopping && this.#stopReason !== "crashed" && this.#worker) this.#onCrash(how ?? "the worker exited");
    this.#finish();
  }

  /** The end, once: every timer stopped, everything pending failed, `terminated`, `closed`. */
  #finish(): void {
    this.#timers.clearAll();
    this.#liveness.stop();
    this.#aborts.stop();
    this.#exit.clear();
    const crashed = this.#stopReason === undefined || this.#stopReason === "crashed";
    this.#sockets.closeAll(crashed ? CLOSE_CODES.internalError : CLOSE_CODES.serviceRestart, "worker gone", false);
    this.#failAll(new BuntimeError("WORKER_CRASHED", `${this.key} worker exited`));
    this.#start.end(new BuntimeError("WORKER_START_FAILED", `${this.key} exited while starting`));
    this.state = transition(this.state, "terminated");
    this.#deps.events.emit("terminate", { key: this.key, workerId: this.id, reason: this.#stopReason ?? "crashed" });
    this.#closedResolve();
    this.#deps.onChange(this);
  }

  /** Ends every exchange in flight with `error` (each removes itself from the table as it ends). */
  #failAll(error: BuntimeError): void {
    for (const exchange of this.#exchanges.values()) exchange.fail(error);
  }

  #setState(to: WorkerState): void {
    this.state = transition(this.state, to);
  }

  #send(message: HostMessage): void {
    if (this.state === "terminated") return;
    this.#post?.(message);
  }
}

/** A thrown value as `Name: message`, never its stack. */
function describe(error: unknown): string {
  return error instanceof Error ? `${error.name}: ${error.message}` : sketch(error);
}
