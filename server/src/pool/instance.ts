import { type VersionKey, versionKey } from "../apps/catalog.ts";
import type { AppVersion } from "../apps/config.ts";
import { BuntimeError } from "../errors.ts";
import type { Logger } from "../util/log.ts";
import type { Clock, TimerHandle } from "./clock.ts";
import type { PoolEmitter, StopReason } from "./events.ts";
import { Exchange, type ForwardedRequest } from "./exchange.ts";
import { type GuestMessage, type HostMessage, unreachable } from "./protocol.ts";
import { transition, type WorkerState } from "./state.ts";

const GUEST_ENTRY = new URL("../guest/entry.ts", import.meta.url).href;
/** How long `onTerminate` may take before the worker is terminated anyway. */
const STOP_GRACE_MS = 2_000;

export interface InstanceDeps {
  clock: Clock;
  logger: Logger;
  events: PoolEmitter;
  /** Called when a request slot frees up or the state changes, so the pool can hand out work. */
  onChange: (instance: WorkerInstance) => void;
}

let nextWorkerId = 1;

/**
 * One Bun Worker running one app version, on the host side. Owns the worker's lifecycle
 * (see `state.ts`) and the exchanges in flight on it. Never terminates a worker that has not
 * reported `ready` or `start-failed` (that has crashed Bun); waits for `close` after terminate.
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

  readonly #deps: InstanceDeps;
  readonly #worker: Worker;
  readonly #exchanges = new Map<number, Exchange>();
  /** Per exchange: its timeout timer and the detach of its client-abort listener. */
  readonly #timers = new Map<number, { timer: TimerHandle; detach: () => void }>();
  #nextExchangeId = 1;
  #readyCallbacks!: { resolve: () => void; reject: (error: BuntimeError) => void };
  #started = false;
  #stopReason: StopReason | undefined;
  #stopTimer: TimerHandle | undefined;
  #closedResolve!: () => void;

  constructor(app: AppVersion, deps: InstanceDeps) {
    this.app = app;
    this.key = versionKey(app.name, app.version);
    this.#deps = deps;
    this.startedAt = deps.clock.now();
    this.lastUsedAt = this.startedAt;
    this.ready = new Promise((resolve, reject) => {
      this.#readyCallbacks = { resolve, reject };
    });
    this.ready.catch(() => {}); // observed by whoever waits for this worker
    this.closed = new Promise((resolve) => {
      this.#closedResolve = resolve;
    });
    this.#worker = new Worker(GUEST_ENTRY, {
      env: { ...app.config.env },
      smol: app.config.lowMemory,
    });
    this.#worker.addEventListener("message", (event: MessageEvent<GuestMessage>) => this.#onMessage(event.data));
    this.#worker.addEventListener("error", (event) => this.#onCrash(`uncaught error: ${event.message}`));
    this.#worker.addEventListener("close", () => this.#onClose());
    deps.events.emit("spawn", { key: this.key, workerId: this.id });
    this.#send({
      type: "init",
      name: app.name,
      version: app.version,
      dir: app.dir,
      entrypoint: app.entrypoint,
      kind: app.kind,
    });
  }

  get inFlight(): number {
    return this.#exchanges.size;
  }

  /** Sends one request through this worker. The caller checked that it accepts work. */
  dispatch(forward: ForwardedRequest): Promise<Response> {
    if (this.state === "ready" || this.state === "idle") this.#setState("active");
    this.requests++;
    this.lastUsedAt = this.#deps.clock.now();
    const exchange = new Exchange(
      this.#nextExchangeId++,
      (message, transfer) => this.#send(message, transfer),
      (ended) => this.#onExchangeEnd(ended),
    );
    this.#exchanges.set(exchange.id, exchange);
    const { signal } = forward.request;
    const onClientGone = () => exchange.abort("client went away");
    signal.addEventListener("abort", onClientGone, { once: true });
    const timer = this.#deps.clock.setTimeout(() => this.#onTimeout(exchange), this.app.config.timeout * 1000);
    this.#timers.set(exchange.id, { timer, detach: () => signal.removeEventListener("abort", onClientGone) });
    void exchange.start(forward);
    return exchange.response;
  }

  /**
   * Stops taking requests; terminates once the in-flight ones finish. Before `ready` it
   * waits for the worker to finish starting (terminating earlier has crashed Bun).
   */
  drain(reason: StopReason): void {
    if (this.state === "draining" || this.state === "terminated") return;
    this.#stopReason = reason;
    if (this.state === "creating") return; // #onReady sees #stopReason and drains then
    this.#setState("draining");
    this.#deps.events.emit("recycle", { key: this.key, workerId: this.id, reason });
    this.#terminateWhenDrained();
  }

  /** Ends every exchange now and terminates (shutdown, crash of the event loop). */
  kill(reason: StopReason, error: BuntimeError): void {
    this.#stopReason ??= reason;
    for (const exchange of [...this.#exchanges.values()]) exchange.fail(error);
    if (this.state !== "creating") this.#terminate();
  }

  /** Asks the worker for its memory use (answered with `pong`). */
  ping(seq: number): void {
    this.#send({ type: "ping", seq });
  }

  #onMessage(message: GuestMessage): void {
    switch (message.type) {
      case "ready":
        this.#onReady();
        return;
      case "start-failed":
        this.#onStartFailed(message.message);
        return;
      case "response-head":
        this.#exchanges.get(message.id)?.onHead(message);
        return;
      case "response-chunk":
        this.#exchanges.get(message.id)?.onChunk(message);
        return;
      case "app-error": {
        this.errors++;
        this.#deps.logger.warn("app error", { app: this.key, worker: this.id, error: message.message });
        this.#exchanges.get(message.id)?.fail(new BuntimeError("APP_ERROR", message.message));
        return;
      }
      case "request-pull":
        void this.#exchanges.get(message.id)?.pullRequestBody();
        return;
      case "pong":
        this.heapUsed = message.heapUsed;
        this.rss = message.rss;
        return;
      case "stopped":
        this.#deps.clock.clearTimeout(this.#stopTimer);
        this.#worker.terminate();
        return;
      default:
        unreachable(message);
    }
  }

  #onReady(): void {
    this.#started = true;
    this.#setState("ready");
    this.#deps.events.emit("ready", {
      key: this.key,
      workerId: this.id,
      startMs: this.#deps.clock.now() - this.startedAt,
    });
    this.#readyCallbacks.resolve();
    if (this.#stopReason !== undefined) {
      const reason = this.#stopReason;
      this.#stopReason = undefined;
      this.drain(reason);
      return;
    }
    this.#deps.onChange(this);
  }

  #onStartFailed(message: string): void {
    this.#started = true;
    this.#stopReason = "start-failed";
    this.#deps.logger.error("app failed to start", { app: this.key, worker: this.id, error: message });
    this.#readyCallbacks.reject(new BuntimeError("WORKER_START_FAILED", `${this.key} failed to start: ${message}`));
    this.#terminate();
  }

  #onTimeout(exchange: Exchange): void {
    if (exchange.ended) return;
    this.errors++;
    exchange.abort(
      "timeout",
      new BuntimeError("APP_TIMEOUT", `${this.key} did not answer within ${this.app.config.timeout}s`),
    );
    // A timed-out worker never serves another request.
    this.drain("timeout");
  }

  #onExchangeEnd(exchange: Exchange): void {
    this.#exchanges.delete(exchange.id);
    const entry = this.#timers.get(exchange.id);
    this.#timers.delete(exchange.id);
    if (entry) {
      this.#deps.clock.clearTimeout(entry.timer);
      entry.detach();
    }
    this.lastUsedAt = this.#deps.clock.now();
    if (this.state === "active" && this.#exchanges.size === 0) {
      this.#setState("idle");
      this.#send({ type: "idle" });
    }
    if (this.state === "draining") this.#terminateWhenDrained();
    this.#deps.onChange(this);
  }

  #terminateWhenDrained(): void {
    if (this.#exchanges.size === 0) this.#terminate();
  }

  /** Runs the app's `onTerminate` (bounded), then terminates; `close` finishes it. */
  #terminate(): void {
    if (this.state === "terminated" || this.#stopTimer !== undefined) return;
    if (!this.#started) return;
    this.#stopTimer = this.#deps.clock.setTimeout(() => this.#worker.terminate(), STOP_GRACE_MS);
    this.#send({ type: "stop" });
  }

  #onCrash(message: string): void {
    if (this.state === "terminated") return;
    this.#deps.logger.error("worker crashed", { app: this.key, worker: this.id, error: message });
    this.#deps.events.emit("crash", { key: this.key, workerId: this.id, message });
    this.#stopReason ??= "crashed";
    const error = new BuntimeError("WORKER_CRASHED", `${this.key} crashed: ${message}`);
    for (const exchange of [...this.#exchanges.values()]) exchange.fail(error);
    if (!this.#started) {
      this.#started = true;
      this.#readyCallbacks.reject(new BuntimeError("WORKER_START_FAILED", `${this.key} failed to start: ${message}`));
    }
    // The thread may still be alive after an `error` event; make sure it goes.
    this.#worker.terminate();
  }

  #onClose(): void {
    if (this.state === "terminated") return;
    if (this.#stopTimer === undefined && this.#stopReason !== "crashed") {
      // Nobody asked it to stop: the app exited (process.exit) or the thread died.
      this.#onCrash("the worker exited");
    }
    this.#deps.clock.clearTimeout(this.#stopTimer);
    const crashed = new BuntimeError("WORKER_CRASHED", `${this.key} worker exited`);
    for (const exchange of [...this.#exchanges.values()]) exchange.fail(crashed);
    if (!this.#started) {
      this.#readyCallbacks.reject(new BuntimeError("WORKER_START_FAILED", `${this.key} exited while starting`));
    }
    this.state = transition(this.state, "terminated");
    this.#deps.events.emit("terminate", { key: this.key, workerId: this.id, reason: this.#stopReason ?? "crashed" });
    this.#closedResolve();
    this.#deps.onChange(this);
  }

  #setState(to: WorkerState): void {
    this.state = transition(this.state, to);
  }

  #send(message: HostMessage, transfer?: Transferable[]): void {
    if (this.state === "terminated") return;
    if (transfer) this.#worker.postMessage(message, transfer);
    else this.#worker.postMessage(message);
  }
}
