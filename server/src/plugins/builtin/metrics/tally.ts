import type { Metric, MetricValueWithName } from "prom-client";
import { addBounded, addBoundedByUse, MAX_TRACKED_APPS, MAX_TRACKED_VERSIONS } from "../../../stats/bounds.ts";

/** Status classes as the `status` label writes them, by `Math.floor(status / 100)`. */
const STATUS_CLASSES = ["0xx", "1xx", "2xx", "3xx", "4xx", "5xx"] as const;

interface AppTally {
  /** Requests by version, then by status class (index: the hundreds digit; 6+ counted as 5xx). */
  versions: Map<string, Float64Array>;
  /** Requests per latency bucket (index i: at most bounds[i]; the last: above every bound). */
  buckets: Float64Array;
  sum: number;
  count: number;
  /** When it was last recorded into (the tally's use counter): the bound forgets the stalest. */
  used: number;
}

/**
 * What `@buntime/metrics` counts per request, as plain maps and arrays of numbers: recording
 * makes no object and no string. prom-client's `inc` and `observe` make several per call (a
 * labels object, a closure, a hash string), which was about 4 % of the main thread's time per
 * proxied request and a good part of its garbage. The metrics read the tally when scraped
 * (`collect`, and `tallyHistogram`). Keys are what the pipeline resolved (app names and versions
 * of the catalogue, `""` for none, runtime error codes); versions and apps leave with their
 * removal (`forget`), within the bounds of `stats/bounds.ts`.
 */
export class RequestTally {
  readonly #apps = new Map<string, AppTally>();
  #uses = 0;
  readonly #errors = new Map<string, number>();
  readonly bounds: readonly number[];

  /** `bounds`: the latency buckets' upper bounds in seconds, ascending. */
  constructor(bounds: readonly number[]) {
    this.bounds = bounds;
  }

  record(app: string, version: string, status: number, code: string | undefined, seconds: number): void {
    const entry =
      this.#apps.get(app) ??
      addBoundedByUse(
        this.#apps,
        app,
        { versions: new Map(), buckets: new Float64Array(this.bounds.length + 1), sum: 0, count: 0, used: 0 },
        MAX_TRACKED_APPS,
      );
    entry.used = ++this.#uses;
    const byStatus =
      entry.versions.get(version) ??
      addBounded(entry.versions, version, new Float64Array(STATUS_CLASSES.length), MAX_TRACKED_VERSIONS);
    const statusClass = Math.min(Math.max(Math.floor(status / 100), 0), STATUS_CLASSES.length - 1);
    byStatus[statusClass] = (byStatus[statusClass] ?? 0) + 1;
    const bucket = bucketOf(this.bounds, seconds);
    entry.buckets[bucket] = (entry.buckets[bucket] ?? 0) + 1;
    entry.sum += seconds;
    entry.count++;
    if (code) this.#errors.set(code, (this.#errors.get(code) ?? 0) + 1);
  }

  /**
   * Forgets a version that left the server (its series go from the next scrape), and the app's
   * latency and the app itself with its last version: deployments that come and go leave
   * nothing behind.
   */
  forget(app: string, version: string, lastOfApp: boolean): void {
    const entry = this.#apps.get(app);
    if (entry === undefined) return;
    entry.versions.delete(version);
    if (lastOfApp) this.#apps.delete(app);
  }

  /** Requests by app, version and status class, in the order first seen. */
  *requests(): Generator<{ app: string; version: string; status: string; count: number }> {
    for (const [app, entry] of this.#apps) {
      for (const [version, byStatus] of entry.versions) {
        for (let i = 0; i < byStatus.length; i++) {
          const count = byStatus[i] as number;
          if (count > 0) yield { app, version, status: STATUS_CLASSES[i] as string, count };
        }
      }
    }
  }

  /** Runtime error responses by code. */
  errors(): ReadonlyMap<string, number> {
    return this.#errors;
  }

  /** Latency per app: counts per bucket (not cumulative), sum and count. */
  latency(): ReadonlyMap<string, Readonly<Pick<AppTally, "buckets" | "sum" | "count">>> {
    return this.#apps;
  }
}

/** The bucket `value` falls in: the first bound it does not exceed, else the last (+Inf). */
function bucketOf(bounds: readonly number[], value: number): number {
  for (let i = 0; i < bounds.length; i++) if (value <= (bounds[i] as number)) return i;
  return bounds.length;
}

/**
 * A histogram by `app` read from `tally` at scrape: what prom-client's `Histogram` would report
 * (`_bucket` cumulative with `le`, `+Inf`, `_sum`, `_count`; summed across processes), for its
 * registries, which read a metric's `name`, `help`, `type`, `aggregator` and `get()` only (typed
 * as prom-client's metrics are, hence the cast). Hand-written because prom-client's histogram
 * cannot be given counts kept elsewhere: only `observe`d, one value at a time.
 */
export function tallyHistogram(options: { name: string; help: string; tally: RequestTally }): Metric {
  const { name, help, tally } = options;
  const metric = {
    name,
    help,
    type: "histogram",
    aggregator: "sum",
    async get() {
      const values: MetricValueWithName<string>[] = [];
      for (const [app, { buckets, sum, count }] of tally.latency()) {
        let cumulative = 0;
        tally.bounds.forEach((le, i) => {
          cumulative += buckets[i] as number;
          values.push({ labels: { le, app }, value: cumulative, metricName: `${name}_bucket` });
        });
        values.push({ labels: { le: "+Inf", app }, value: count, metricName: `${name}_bucket` });
        values.push({ labels: { app }, value: sum, metricName: `${name}_sum` });
        values.push({ labels: { app }, value: count, metricName: `${name}_count` });
      }
      return { name, help, type: "histogram", values, aggregator: "sum" };
    },
  };
  return metric as unknown as Metric;
}
