import { join } from "node:path";
import type { WorkerConfigInput } from "@buntime/sdk";
import {
  type AppLogLine,
  type AppReleaseState,
  type BuntimeConfig,
  createLogger,
  isAppName,
  isVersionFolder,
  type LogFilter,
  loadBuntimeConfig,
  loadEnv,
  normaliseConfig,
  ReleaseAdmin,
  type RunningServer,
  realClock,
  silentLogger,
  startServer,
  versionKey,
} from "@buntime/server";
import { VirtualClock } from "@buntime/server/testing";
import { AppsDir, isFolder } from "./apps-dir.ts";
import { watchAppsDir } from "./apps-watch.ts";
import { type LifecycleEvent, lifecycleEvents } from "./events.ts";
import { writeMocksPreload } from "./mocks.ts";
import { EmulatorError, type EmulatorOptions, parseEmulatorOptions, type ResolvedEmulatorOptions } from "./options.ts";

/** How long `settle` and `waitForIdle` wait for real worker threads before giving up. */
const SETTLE_LIMIT_MS = 10_000;

/** Real time a scheduled run gets to finish after each step of virtual time (see `#settle`). */
const RUN_SETTLE_MS = 250;

/**
 * The Buntime runtime in-process, for app authors' tests: the same pipeline, pool and limits as
 * production, on 127.0.0.1 and through `fetch` without a socket.
 *
 * @example
 * const emu = await createEmulator({ apps: "./fixtures/apps" });
 * const res = await emu.fetch("/hello@1/users");
 * await emu.dispose();
 */
export async function createEmulator(options: EmulatorOptions): Promise<Emulator> {
  const resolved = parseEmulatorOptions(options);
  const apps = new AppsDir(resolved.apps);
  try {
    const clock = resolved.clock === "virtual" ? new VirtualClock() : undefined;
    const overrides = new Map<string, Record<string, unknown>>();
    const starting = startWith(resolved, apps, clock, overrides);
    // A start that completes after the timeout must not leave a server listening.
    const server = await withTimeout(starting, resolved.startTimeoutMs, () =>
      starting.then((late) => late.stop(0)).catch(() => {}),
    );
    return new Emulator(server, apps, clock, overrides);
  } catch (error) {
    apps.remove();
    throw error instanceof EmulatorError
      ? error
      : new EmulatorError("START_FAILED", `the emulator did not start: ${(error as Error).message}`);
  }
}

async function startWith(
  options: ResolvedEmulatorOptions,
  apps: AppsDir,
  clock: VirtualClock | undefined,
  overrides: Map<string, Record<string, unknown>>,
) {
  const config = await loadConfig(options.config);
  const start = (port: number) =>
    startServer({
      env: loadEnv({
        APPS_DIR: apps.path,
        HOST: "127.0.0.1",
        PORT: String(port),
        POOL_SIZE: String(options.poolSize),
        MAX_BODY_SIZE: String(options.maxBodySize),
        SHUTDOWN_TIMEOUT: "0",
        BUNTIME_CONFIG: undefined,
        // The runtime's own data (the admin key store) lives and dies with the emulator, never in
        // the user's tree; a dotfolder, which the catalogue skips.
        BUNTIME_DATA_DIR: join(apps.path, ".buntime-data"),
      }),
      config,
      configEnv: options.env ?? process.env,
      logger: options.logLevel === "silent" ? silentLogger : createLogger(options.logLevel),
      clock,
      preload: options.mocks ? [writeMocksPreload(apps.path, options.mocks)] : undefined,
      configOverride: (name, version) => overrides.get(versionKey(name, version)),
      // The apps are the author's own folders: never handed to an app group, never chmodded
      // (see the options); a process worker's folder must be readable as it is.
      blockedThreadsToProcesses: false,
      changesAppFiles: false,
    });
  // A port already taken falls back to a free one: tests must not fail on a clash. Probe first:
  // a startServer that fails on the port has already started its catalogue watcher and plugins,
  // and leaves them running (the process would never exit).
  const port = options.port !== 0 && !portIsFree(options.port) ? 0 : options.port;
  try {
    const server = await start(port);
    // The server reads the schedules in the background; a test sees them from the start.
    await server.schedules.idle();
    return server;
  } catch (error) {
    // Taken between the probe and the bind: still fall back, even at the cost above.
    if (port !== 0 && /EADDRINUSE|in use/i.test(String(error))) return start(0);
    throw error;
  }
}

function portIsFree(port: number): boolean {
  try {
    Bun.listen({ hostname: "127.0.0.1", port, socket: { data() {} } }).stop(true);
    return true;
  } catch {
    return false;
  }
}

async function loadConfig(config: ResolvedEmulatorOptions["config"]): Promise<BuntimeConfig> {
  if (config === undefined) return { baseDir: process.cwd(), plugins: [] };
  if (typeof config === "string") return loadBuntimeConfig(config);
  return normaliseConfig(config, process.cwd(), "config");
}

function withTimeout<T>(promise: Promise<T>, ms: number, onTimeout: () => void): Promise<T> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => {
      onTimeout();
      reject(new EmulatorError("START_TIMEOUT", `the emulator was not ready within ${ms} ms (plugins' onInit?)`));
    }, ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

/** The virtual clock as `emu.clock` exposes it. */
export interface EmulatorClock {
  now(): number;
  /** Moves time forward, firing every due timer in order and awaiting the pool's reactions. */
  advance(ms: number): Promise<void>;
  /** Fires what is due now and waits for the pool to settle. */
  runUntilIdle(): Promise<void>;
}

/** A running emulator. Made by `createEmulator`. */
export class Emulator {
  readonly #server: RunningServer;
  readonly #apps: AppsDir;
  readonly #virtual: VirtualClock | undefined;
  readonly #overrides: Map<string, Record<string, unknown>>;
  readonly #closed: Promise<void>;
  #markClosed!: () => void;
  #disposing: Promise<void> | undefined;
  /** `emu.fetch` calls not answered yet: the virtual clock waits for them to reach the pool. */
  #outstanding = 0;
  /** The scheduler's `started` at the last settle: runs started since get a moment to finish. */
  #runsSeen = 0;
  readonly #releases: ReleaseAdmin;
  /** Stops following the user's apps folder. */
  readonly #unwatch: () => void;

  /** @internal use `createEmulator` */
  constructor(
    server: RunningServer,
    apps: AppsDir,
    clock: VirtualClock | undefined,
    overrides: Map<string, Record<string, unknown>>,
  ) {
    this.#server = server;
    this.#overrides = overrides;
    this.#apps = apps;
    this.#virtual = clock;
    this.#releases = new ReleaseAdmin(server.catalog, server.releases);
    this.#closed = new Promise((resolve) => {
      this.#markClosed = resolve;
    });
    if (clock) clock.settle = () => this.#settle();
    // What the server's own watch would do, were APPS_DIR the user's folder and not links to it.
    this.#unwatch = watchAppsDir(apps, (keys) => {
      server.catalog.refresh();
      for (const key of keys) server.catalog.invalidate(key);
    });
  }

  /** `http://127.0.0.1:<port>/`: the emulator also listens on a socket. */
  get url(): string {
    return this.#server.url.href;
  }

  /** The lifecycle clock, with `advance` when created with `clock: "virtual"`. */
  get clock(): EmulatorClock {
    const virtual = this.#virtual;
    if (!virtual) {
      const refuse = () => Promise.reject(new Error('emu.clock.advance needs createEmulator({ clock: "virtual" })'));
      return { now: () => realClock.now(), advance: refuse, runUntilIdle: () => this.waitForIdle() };
    }
    return {
      now: () => virtual.now(),
      advance: (ms) => virtual.advance(ms),
      runUntilIdle: () => virtual.runUntilIdle(),
    };
  }

  /** Lifecycle events (spawn, ready, recycle, terminate, crash) from now on, until dispose. */
  get events(): AsyncIterable<LifecycleEvent> {
    return lifecycleEvents(this.#server.pool.events, this.#closed);
  }

  /** Serves a request in-process (no socket): a path, a URL or a Request. */
  fetch(input: string | URL | Request, init?: RequestInit): Promise<Response> {
    if (this.#disposing) return Promise.reject(new EmulatorError("DISPOSED", "the emulator was disposed"));
    // `.href`: Bun's own `Request` type (an app's tsconfig without lib "DOM") takes no URL object.
    const request = input instanceof Request ? input : new Request(new URL(String(input), this.#server.url).href, init);
    this.#outstanding++;
    return this.#server.fetch(request).finally(() => {
      this.#outstanding--;
    });
  }

  /**
   * Makes `folder` live as `name@version` (replacing what was there). `config` fields win over
   * the folder's own worker config, so one app can be tried under many limits.
   */
  async deploy(name: string, version: string, folder: string, config?: WorkerConfigInput): Promise<void> {
    // Refused as the server refuses such a deployment: a typo here would only show as a 404 later.
    if (!isAppName(name)) throw new EmulatorError("INVALID_OPTIONS", `deploy: "${name}" is not an app name`);
    if (!isVersionFolder(version)) throw new EmulatorError("INVALID_OPTIONS", `deploy: "${version}" is not a version`);
    if (!isFolder(folder)) throw new EmulatorError("INVALID_OPTIONS", `deploy: ${folder} is not a folder`);
    const key = versionKey(name, version);
    if (config) this.#overrides.set(key, config as Record<string, unknown>);
    else this.#overrides.delete(key);
    this.#apps.link(name, version, folder);
    this.#server.pool.retire(key, "changed");
    this.#server.catalog.refresh();
    this.#server.catalog.invalidate(key);
    // Its schedules (new, changed or gone) are armed before the next clock.advance.
    await this.#server.schedules.reconcile();
  }

  /** Removes `name@version`; its workers drain. */
  async remove(name: string, version: string): Promise<void> {
    const key = versionKey(name, version);
    if (!this.#apps.unlink(name, version)) throw new Error(`${key} is not deployed`);
    this.#server.pool.retire(key, "removed");
    this.#server.catalog.refresh();
    await this.#server.schedules.reconcile();
  }

  /**
   * Sets `tag` of `name` to `version` (npm's dist-tags, docs/releases.md): `/<name>@<tag>/`
   * serves it, and `latest` is what `/<name>/` serves. Validated as `PUT /_/apps/<name>/tags/<tag>`
   * (the emulator's admin routes are locked for writes over HTTP); recorded as by "emulator".
   * @throws BuntimeError REQUEST_INVALID (a bad tag, an unknown version), APP_NOT_FOUND
   */
  tag(name: string, tag: string, version: string): Promise<AppReleaseState> {
    return this.#rescheduled(this.#releases.setTag(name, tag, { version }, "emulator"));
  }

  /** Removes `tag` of `name`. @throws BuntimeError NOT_FOUND when it is not set */
  untag(name: string, tag: string): Promise<AppReleaseState> {
    return this.#rescheduled(this.#releases.deleteTag(name, tag, "emulator"));
  }

  /** The tags, versions and traffic split of `name`, as `GET /_/apps/<name>` answers. */
  releases(name: string): Promise<AppReleaseState> {
    return this.#releases.read(name);
  }

  /**
   * Splits `/<name>/` requests by integer weights summing to 100 (`{"1.0.0": 90, "2.0.0": 10}`),
   * sticky per client (`x-buntime-sticky` or the `buntime-sticky` cookie); `null` ends the split.
   * @throws BuntimeError REQUEST_INVALID, APP_NOT_FOUND
   */
  traffic(name: string, weights: Record<string, number> | null): Promise<AppReleaseState> {
    return weights === null
      ? this.#releases.endTraffic(name, "emulator")
      : this.#releases.setTraffic(name, weights, "emulator");
  }

  /**
   * `change`, once the schedules follow it: a moved `latest` changes which version's schedules
   * run, and the server notices that by a poll on real time, which a virtual clock never waits for.
   */
  async #rescheduled(change: Promise<AppReleaseState>): Promise<AppReleaseState> {
    const state = await change;
    await this.#server.schedules.reconcile();
    return state;
  }

  /**
   * The last 1,000 lines `name` wrote (console.*, stdout, stderr), oldest first, as
   * `GET /_/logs` answers; optionally one version's, or from a level up. What a request wrote
   * before its answer is here once `emu.fetch` resolves.
   *
   * @example
   * await emu.fetch("/hello/");
   * expect(emu.logs("hello").map((l) => l.message)).toContain("served /");
   */
  logs(name: string, filter: Omit<LogFilter, "app"> = {}): AppLogLine[] {
    return this.#server.logs.lines({ ...filter, app: name });
  }

  /**
   * Runs the schedule `cron` of the version `/<name>/` serves now, by hand, as if it were due
   * (its `scheduled` handler in a worker, bounded by the app's `timeout`), and resolves with the
   * outcome: `ok`, `error`, `timeout`, or `skipped` while a run of it is still going.
   * @throws Error when that app has no such schedule
   *
   * @example
   * expect(await emu.scheduled("reports", "0 3 * * *")).toBe("ok");
   */
  scheduled(name: string, cron: string): Promise<"ok" | "error" | "timeout" | "skipped"> {
    if (this.#disposing) return Promise.reject(new EmulatorError("DISPOSED", "the emulator was disposed"));
    return this.#server.schedules.runNow(name, cron);
  }

  /** Calls `listener` with each line any app writes from now on; returns the function that stops it. */
  onLog(listener: (line: AppLogLine) => void): () => void {
    return this.#server.logs.followAll(listener);
  }

  /** What `/_/stats` answers: metrics, live workers, apps. */
  stats(): ReturnType<RunningServer["stats"]> {
    return this.#server.stats();
  }

  /** Resolves once nothing is in flight or queued and no worker is starting or stopping. */
  async waitForIdle(): Promise<void> {
    const pool = this.#server.pool;
    const deadline = realClock.now() + SETTLE_LIMIT_MS;
    while (pool.busy() > 0 || pool.pendingTransitions() > 0) {
      if (realClock.now() > deadline) throw new Error(`the pool did not go idle within ${SETTLE_LIMIT_MS} ms`);
      await Bun.sleep(2);
    }
  }

  /** Stops everything: in-flight requests are cut, every worker ends, the port and temp folders are freed. Idempotent. */
  dispose(): Promise<void> {
    this.#disposing ??= (async () => {
      try {
        this.#unwatch();
        await this.#server.stop(0);
      } finally {
        this.#apps.remove();
        this.#markClosed();
      }
    })();
    return this.#disposing;
  }

  async [Symbol.asyncDispose](): Promise<void> {
    await this.dispose();
  }

  /**
   * Before and between virtual timers: let worker messages in, until no worker is mid-transition and every
   * `emu.fetch` still unanswered has reached the pool. A request to a cold app spends real time
   * loading its config before the pool sees it; advancing meanwhile would skip its timeout.
   */
  async #settle(): Promise<void> {
    // The schedules are read in the background from the start: armed before time moves.
    await this.#server.schedules.idle();
    const pool = this.#server.pool;
    const deadline = realClock.now() + SETTLE_LIMIT_MS;
    await new Promise((resolve) => setImmediate(resolve));
    const unsettled = () => pool.pendingTransitions() > 0 || this.#outstanding > pool.busy();
    while (unsettled() && realClock.now() < deadline) await Bun.sleep(1);
    // A scheduled run started by this step runs in real time: it gets a moment to finish before
    // virtual time moves on (else the next step could pass its timeout first). A run that
    // takes longer (one that never ends) meets its timeout on the clock, as in production.
    const runs = this.#server.schedules;
    if (runs.started === this.#runsSeen) return;
    this.#runsSeen = runs.started;
    const runDeadline = realClock.now() + RUN_SETTLE_MS;
    while (runs.running > 0 && realClock.now() < runDeadline) await Bun.sleep(1);
  }
}
