/**
 * Metrics of every server process on this machine in one scrape (docs/cluster.md#metrics). With
 * BUNTIME_PROCESSES > 1, a scrape reaches whichever process the kernel hands the connection to;
 * that process asks each sibling for its metrics over the side channel
 * (`processes/side-channel.ts`) and answers with all of them, each series labelled
 * `process="<index>"`.
 *
 * Labelled, not summed: a restarted process starts its counters from zero, and in a sum that
 * looks to Prometheus like a reset of the whole machine's counter (rate() would then count the
 * survivors' totals again as new); per process, only its own series resets. `sum without
 * (process)` gives the machine's totals. prom-client's AggregatorRegistry merges the processes'
 * JSON (its `aggregate` is used without its cluster IPC, which needs node's `cluster` workers).
 */
import type { MetricObjectWithValues, MetricValue, RegistryContentType } from "prom-client";
import type { ProcessIdentity } from "../../../processes/identity.ts";
import { askAll, listenSideChannel } from "../../../processes/side-channel.ts";
import { AggregatorRegistry, openMetricsContentType } from "./prom.ts";
import type { createMetricsRegistry } from "./registry.ts";

type Metrics = ReturnType<typeof createMetricsRegistry>;
type MetricsJson = MetricObjectWithValues<MetricValue<string>>[];

/** The label that tells processes apart. */
export const PROCESS_LABEL = "process";

const CHANNEL = "metrics";
const PATH = "/metrics";

/** A group's metrics: this process's on its side channel, everyone's in `render`. */
export interface GroupMetrics {
  /** The exposition of every process that answered, in the Prometheus or OpenMetrics format. */
  render(openMetrics: boolean): Promise<{ body: string; contentType: string }>;
  /** Stops answering siblings; idempotent. */
  close(): void;
}

/** Serves this process's metrics to its siblings and gathers theirs for a scrape. */
export function groupMetrics(identity: ProcessIdentity, metrics: Metrics): GroupMetrics {
  const own = () => metrics.registry.getMetricsAsJSON() as Promise<MetricsJson>;
  const channel = listenSideChannel(identity, CHANNEL, { [PATH]: own });
  return {
    async render(openMetrics) {
      const answers = await askAll<MetricsJson>(identity, CHANNEL, PATH, own);
      const labelled = answers.flatMap(({ index, value }) =>
        value ? [labelProcess(openMetrics ? counterFamilies(value) : value, index)] : [],
      );
      const registry = AggregatorRegistry.aggregate<RegistryContentType>(labelled);
      if (openMetrics) registry.setContentType(openMetricsContentType);
      return { body: await registry.metrics(), contentType: registry.contentType };
    },
    close: () => channel.close(),
  };
}

/** Every value of `metrics` with `process="<index>"` added to its labels. */
export function labelProcess(metrics: MetricsJson, index: number): MetricsJson {
  return metrics.map((metric) => ({
    ...metric,
    values: metric.values.map((value) => ({ ...value, labels: { ...value.labels, [PROCESS_LABEL]: String(index) } })),
  }));
}

/**
 * Counters named as OpenMetrics families (`buntime_requests`, whose samples the registry writes
 * as `buntime_requests_total`). prom-client's own registry renames them while it renders; an
 * aggregated registry renders the aggregated copy, which it does not rename, so it would write
 * `buntime_requests_total_total`.
 */
function counterFamilies(metrics: MetricsJson): MetricsJson {
  return metrics.map((metric) =>
    String(metric.type) === "counter" ? { ...metric, name: metric.name.replace(/_total$/, "") } : metric,
  );
}
