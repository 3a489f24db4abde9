import type { RequestEndEvent, VersionRemovedEvent } from "@buntime/sdk";
import { versionKey } from "../apps/version-key.ts";
import type { PoolCounters } from "../pool/counters.ts";
import type { PoolEmitter } from "../pool/events.ts";
import { addBounded, MAX_TRACKED_APPS, MAX_TRACKED_VERSIONS } from "./bounds.ts";
import { LatencyWindow } from "./latency.ts";
import { PerAppStats } from "./per-app.ts";
import { PerSecondHistory } from "./per-second.ts";

/**
 * The runtime's own numbers behind `/_/metrics` (JSON): requests by status class, runtime
 * errors by code, latency percentiles, the pool's lifecycle counts, and per app (`apps`).
 */
export class StatsCollector {
  readonly latency = new LatencyWindow();
  /** The same figures per app (the dashboard's per-app charts). */
  readonly perApp = new PerAppStats();
  /** The last 15 minutes second by second (the dashboard's charts, from the moment they open). */
  readonly perSecond = new PerSecondHistory();
  readonly #byStatus: Record<string, number> = {};
  readonly #errorsByCode: Record<string, number> = {};
  /**
   * Requests by served `name@version` (how a traffic split works out, docs/releases.md). Keys
   * are versions that were on disk when served (never client text); they leave with their
   * version (`versionRemoved`), within the bounds of `bounds.ts`.
   */
  readonly #byVersion = new Map<string, Map<string, number>>();
  readonly #lifecycle = {
    spawns: 0,
    crashes: 0,
    recycles: {} as Record<string, number>,
    terminations: {} as Record<string, number>,
  };
  #requests = 0;
  #inFlight = 0;

  constructor(
    readonly counters: PoolCounters,
    events: PoolEmitter,
  ) {
    events.on("spawn", () => this.#lifecycle.spawns++);
    events.on("crash", () => this.#lifecycle.crashes++);
    events.on("recycle", ({ reason }) => bump(this.#lifecycle.recycles, reason));
    events.on("terminate", ({ reason }) => bump(this.#lifecycle.terminations, reason));
  }

  requestStarted(): void {
    this.#inFlight++;
  }

  requestEnded(event: RequestEndEvent): void {
    this.#inFlight--;
    this.#requests++;
    const statusClass = STATUS_CLASSES[Math.floor(event.status / 100)] ?? `${Math.floor(event.status / 100)}xx`;
    bump(this.#byStatus, statusClass);
    if (event.code) bump(this.#errorsByCode, event.code);
    // By name, then version: no `name@version` string made per request.
    const { app, version } = event;
    if (app !== undefined && version !== undefined) {
      const versions = this.#byVersion.get(app) ?? addBounded(this.#byVersion, app, new Map(), MAX_TRACKED_APPS);
      const count = versions.get(version);
      if (count === undefined) addBounded(versions, version, 1, MAX_TRACKED_VERSIONS);
      else versions.set(version, count + 1);
    }
    this.latency.record(event.durationMs);
    if (event.app) this.perApp.record(event.app, statusClass, event.code, event.durationMs);
    // Wall-clock time: the charts plot calendar seconds (a read, not a timer).
    this.perSecond.record(event.durationMs, event.code, Date.now());
  }

  /** A version left the server: its count goes, and the app's figures with its last version. */
  versionRemoved({ app, version, lastOfApp }: VersionRemovedEvent): void {
    const versions = this.#byVersion.get(app);
    versions?.delete(version);
    if (versions?.size === 0 || lastOfApp) this.#byVersion.delete(app);
    if (lastOfApp) this.perApp.forget(app);
  }

  /** The JSON of `/_/metrics`; `workersByState` comes from the pool's snapshot. */
  toJSON(workersByState: Record<string, number>) {
    const workers = Object.values(workersByState).reduce((a, b) => a + b, 0);
    return {
      workers: { total: workers, byState: workersByState },
      requests: {
        total: this.#requests,
        inFlight: this.#inFlight,
        byStatus: { ...this.#byStatus },
        byVersion: Object.fromEntries(
          [...this.#byVersion].flatMap(([app, versions]) =>
            [...versions].map(([version, count]) => [versionKey(app, version), count]),
          ),
        ),
      },
      errors: { byCode: { ...this.#errorsByCode } },
      latencyMs: this.latency.percentiles(),
      pool: { ...this.counters, ...structuredClone(this.#lifecycle) },
      apps: this.perApp.toJSON(),
    };
  }
}

/** Status classes by hundreds digit, made once rather than per request. */
const STATUS_CLASSES = ["0xx", "1xx", "2xx", "3xx", "4xx", "5xx"];

function bump(record: Record<string, number>, key: string): void {
  record[key] = (record[key] ?? 0) + 1;
}
