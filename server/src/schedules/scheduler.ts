/**
 * The host's scheduler (docs: scheduled handlers): for every app, the schedules of the version
 * `/<name>/` resolves to fire on the injected clock (croner computes each next time from the
 * clock's wall time; croner's own timers are not used), each run going through the pool like a
 * request (a worker is started when none is alive; it counts in concurrency and is bounded by
 * the app's `timeout`). A schedule never runs twice at once: one due while its run is still
 * going is counted `skipped`. A version change moves the schedules with it (the next run goes to
 * the new version); a schedule removed from the config stops. In a cluster, each run is leased
 * in the store, so exactly one node runs it.
 */
import type { AppVersion } from "../apps/config.ts";
import type { Clock, TimerHandle } from "../pool/clock.ts";
import type { Claim, LeaseStore } from "../store/leases.ts";
import { bounded } from "../util/bounded.ts";
import { Coalesced } from "../util/coalesced.ts";
import type { Logger } from "../util/log.ts";
import { type Outcome, Schedule, scheduleKey } from "./schedule.ts";

/** What one run came to: its outcome and, for a failure, the runtime's message. */
export interface RunResult {
  outcome: Exclude<Outcome, "skipped">;
  error?: string;
}

/** Runs an app's `scheduled` handler once (production: through the pool, `pool-runner.ts`). */
export type Runner = (app: AppVersion, event: { cron: string; scheduledTime: number }) => Promise<RunResult>;

/** Apps whose served version a reading of the schedules loads at once (see `#resolveAll`). */
const RESOLVE_CONCURRENCY = 4;

export interface SchedulerDeps {
  clock: Clock;
  logger: Logger;
  /** App names there are now. */
  names: () => string[];
  /** The version `/<name>/` resolves to, loaded (throws or rejects when there is none). */
  resolve: (name: string) => AppVersion | Promise<AppVersion>;
  run: Runner;
  /** Wall time (ms since the epoch) now. Default: the clock's time, anchored to Date.now() at start. */
  wallNow?: () => number;
  /** A cluster's leases: each run is taken by one node. Alone (files), none is needed. */
  leases?: { store: LeaseStore; holder: string };
  /** Each run's outcome, for the metrics. */
  onRun?: (schedule: Schedule, outcome: Outcome) => void;
}

/** How long a claimed run holds its schedule beyond the app's `timeout` (the run's own bound). */
const RUN_MARGIN_MS = 5_000;
/** The bound assumed for a run whose app version cannot be read (the schema's default `timeout`). */
const DEFAULT_RUN_BOUND_MS = 30_000;

/** Characters of a failed run's message kept for stats and logs. */
const ERROR_CHARS = 300;

export class Scheduler {
  readonly #deps: SchedulerDeps;
  readonly #wallNow: () => number;
  readonly #schedules = new Map<string, Schedule>();
  readonly #timers = new Map<string, TimerHandle>();
  readonly #readings = new Coalesced(
    () => this.#reconcileOnce(),
    () => !this.#closed,
  );
  #closed = false;

  constructor(deps: SchedulerDeps) {
    this.#deps = deps;
    const anchor = Date.now() - deps.clock.now();
    this.#wallNow = deps.wallNow ?? (() => anchor + deps.clock.now());
  }

  /** Runs started since the scheduler was made (the emulator's clock gives new ones a moment). */
  started = 0;

  /** Runs going now. */
  get running(): number {
    let running = 0;
    for (const schedule of this.#schedules.values()) if (schedule.running) running++;
    return running;
  }

  /** Every schedule and its counts (the metrics' view). */
  list(): { app: string; cron: string; counts: Record<Outcome, number> }[] {
    return [...this.#schedules.values()].map((s) => ({ app: s.app, cron: s.cron, counts: { ...s.counts } }));
  }

  /** Every schedule, as `/_/stats` shows it. */
  toJSON() {
    return [...this.#schedules.values()].map((s) => s.toJSON());
  }

  /** The schedule of `app` with `cron` (the first if several timezones share it). */
  find(app: string, cron: string): Schedule | undefined {
    for (const schedule of this.#schedules.values())
      if (schedule.app === app && schedule.cron === cron) return schedule;
    return undefined;
  }

  /**
   * Reads every app's schedules again (at start, and when the catalogue changes). Calls made
   * while one runs are folded into one more pass after it. Resolves when the schedules match
   * what is on disk.
   */
  reconcile(): Promise<void> {
    return this.#readings.call();
  }

  /**
   * Runs `app`'s schedule `cron` now, by hand (the emulator's `emu.scheduled`), as if it were due:
   * `skipped` while a run of it is going.
   * @throws Error when the app has no such schedule
   */
  async runNow(app: string, cron: string): Promise<Outcome> {
    await this.reconcile();
    const schedule = this.find(app, cron);
    if (!schedule) throw new Error(`${app} has no schedule "${cron}"`);
    return this.#fire(schedule, this.#wallNow(), false);
  }

  /** Stops every timer; runs going finish on their own. */
  close(): void {
    this.#closed = true;
    for (const handle of this.#timers.values()) this.#deps.clock.clearTimeout(handle);
    this.#timers.clear();
  }

  /** Resolves when no reading of the schedules is under way (the first one included). */
  idle(): Promise<void> {
    return this.#readings.idle();
  }

  async #reconcileOnce(): Promise<void> {
    const wanted = new Map<string, { app: AppVersion; cron: string; timezone: string | undefined }>();
    for (const app of await this.#resolveAll(this.#deps.names())) {
      if (app === undefined) continue; // no loadable version: nothing to schedule (its requests say why)
      for (const { cron, timezone } of app.config.schedules ?? []) {
        wanted.set(scheduleKey(app.name, cron, timezone), { app, cron, timezone });
      }
    }
    if (this.#closed) return;
    for (const [key, schedule] of this.#schedules) {
      if (wanted.has(key)) continue;
      this.#deps.clock.clearTimeout(this.#timers.get(key));
      this.#timers.delete(key);
      this.#schedules.delete(key);
      this.#deps.logger.info("schedule removed", { app: schedule.app, cron: schedule.cron });
    }
    for (const [key, { app, cron, timezone }] of wanted) {
      const existing = this.#schedules.get(key);
      if (existing) {
        existing.version = app.version; // a version change moves the schedule with it
        continue;
      }
      let schedule: Schedule;
      try {
        schedule = new Schedule(app.name, app.version, cron, timezone);
      } catch (error) {
        // The config schema refuses these; a config that got past it is logged, not run.
        this.#deps.logger.error("schedule refused", { app: app.name, cron, error: String(error) });
        continue;
      }
      this.#schedules.set(key, schedule);
      this.#arm(schedule, this.#wallNow());
    }
  }

  /**
   * The version each of `names` serves, loaded, in `names`' order (undefined: none loadable),
   * RESOLVE_CONCURRENCY at a time: a config in `worker.config.ts` loads in a worker thread of
   * its own, so one by one they added up at start (and all at once would burst threads).
   */
  async #resolveAll(names: string[]): Promise<(AppVersion | undefined)[]> {
    const apps: (AppVersion | undefined)[] = new Array(names.length);
    let next = 0;
    const runner = async () => {
      while (next < names.length) {
        const index = next++;
        try {
          apps[index] = await this.#deps.resolve(names[index] as string);
        } catch {
          apps[index] = undefined;
        }
      }
    };
    await Promise.all(Array.from({ length: Math.min(RESOLVE_CONCURRENCY, names.length) }, runner));
    return apps;
  }

  /** Sets the clock timer for the first time after `afterMs` the cron matches. */
  #arm(schedule: Schedule, afterMs: number): void {
    const next = schedule.nextAfter(afterMs);
    schedule.next = next;
    if (next === undefined || this.#closed) return;
    const handle = this.#deps.clock.setTimeout(
      () => {
        this.#timers.delete(schedule.key);
        if (this.#schedules.get(schedule.key) !== schedule) return;
        // The next one first, from when this one was due: a run that outlasts it cannot delay it.
        this.#arm(schedule, next);
        void this.#fire(schedule, next, true);
      },
      Math.max(0, next - this.#wallNow()),
    );
    this.#timers.set(schedule.key, handle);
  }

  /**
   * One due run: skipped while one is going, else run. With `leased` (the clock's runs) in a
   * cluster, the store decides first (`#claim`): this node runs it, counts it skipped (another run
   * goes, anywhere), or leaves it (another node took it).
   */
  async #fire(schedule: Schedule, scheduledTime: number, leased: boolean): Promise<Outcome> {
    const leases = leased ? this.#deps.leases : undefined;
    const claim = leases ? await this.#claim(schedule, scheduledTime) : schedule.running ? "skip" : "run";
    if (claim === "taken") return "skipped";
    if (claim === "skip" || schedule.running) {
      this.#record(schedule, { scheduledTime, outcome: "skipped", durationMs: 0 });
      return "skipped";
    }
    schedule.running = true;
    this.started++;
    const started = this.#wallNow();
    try {
      const app = await this.#deps.resolve(schedule.app);
      const result = await this.#deps.run(app, { cron: schedule.cron, scheduledTime });
      const error = result.error === undefined ? undefined : bounded(result.error, ERROR_CHARS);
      const durationMs = this.#wallNow() - started;
      this.#record(schedule, { scheduledTime, outcome: result.outcome, durationMs, ...(error && { error }) });
      return result.outcome;
    } catch (error) {
      const message = bounded(String(error), ERROR_CHARS);
      this.#record(schedule, {
        scheduledTime,
        outcome: "error",
        durationMs: this.#wallNow() - started,
        error: message,
      });
      return "error";
    } finally {
      schedule.running = false;
      if (leases) {
        await leases.store.finish(this.#leaseName(schedule), leases.holder).catch((error) =>
          // Unfinished, the record lets the next due time run once its bound has passed.
          this.#deps.logger.warn("schedule run not marked finished", { app: schedule.app, error: String(error) }),
        );
      }
    }
  }

  /**
   * What the store says of the run due at `scheduledTime` (`store/leases.ts`): every node fires
   * it and claims it; the store keeps the latest due time claimed, so exactly one node runs it
   * however late another's timer fires, and while a run goes (held for the app's `timeout` and a
   * margin at most) a later due time is counted skipped by one node. A store that cannot answer:
   * the run is not taken here.
   */
  async #claim(schedule: Schedule, scheduledTime: number): Promise<Claim> {
    const leases = this.#deps.leases;
    if (!leases) return "run";
    let timeoutMs = DEFAULT_RUN_BOUND_MS;
    try {
      timeoutMs = (await this.#deps.resolve(schedule.app)).config.timeout * 1000;
    } catch {
      // No version to run: the run will fail as an error, on the node that claims it.
    }
    try {
      return await leases.store.claim(
        this.#leaseName(schedule),
        leases.holder,
        scheduledTime,
        timeoutMs + RUN_MARGIN_MS,
      );
    } catch (error) {
      this.#deps.logger.error("schedule lease unavailable; run not taken", {
        app: schedule.app,
        cron: schedule.cron,
        error: String(error),
      });
      return "taken";
    }
  }

  #leaseName(schedule: Schedule): string {
    return `schedule:${schedule.key}`;
  }

  #record(schedule: Schedule, run: Parameters<Schedule["record"]>[0]): void {
    schedule.record(run);
    this.#deps.onRun?.(schedule, run.outcome);
    const fields = {
      app: schedule.app,
      version: schedule.version,
      cron: schedule.cron,
      outcome: run.outcome,
      scheduledTime: new Date(run.scheduledTime).toISOString(),
      ms: Math.round(run.durationMs),
      ...(run.error && { error: run.error }),
    };
    if (run.outcome === "ok") this.#deps.logger.info("schedule run", fields);
    else this.#deps.logger.warn("schedule run", fields);
  }
}
