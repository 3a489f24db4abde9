import { readdirSync } from "node:fs";
import type {
  RequestEndEvent,
  ScheduleInfo,
  VersionRemovedEvent,
  WorkerEvent,
  WorkerEventType,
  WorkerInfo,
} from "@buntime/sdk";
import type { OpenMetricsContentType } from "prom-client";
import { Counter, Gauge, openMetricsContentType, Registry } from "./prom.ts";
import { RequestTally, tallyHistogram } from "./tally.ts";

/**
 * The Prometheus registry of `@buntime/metrics`. Process metrics are our own few gauges rather
 * than prom-client's `collectDefaultMetrics`, whose event-loop, GC and heap-space collectors
 * read V8/Node internals that Bun does not provide or reports differently.
 */
export function createMetricsRegistry(options: {
  prefix: string;
  buckets: number[];
  workers: () => WorkerInfo[];
  /** The apps' schedules and their runs by outcome (counts since start). */
  schedules?: () => ScheduleInfo[];
  /** This node's id: `<prefix>node_info{node="…"} 1`, to join other series to a node. */
  node?: string;
}) {
  // One registry per exposition format, the same metrics in both: a scrape never flips a shared
  // registry's content type under another.
  const registry = new Registry();
  const openMetrics = new Registry<OpenMetricsContentType>();
  openMetrics.setContentType(openMetricsContentType);
  // prom-client types a metric's registries as one content type; both formats are fine here.
  const registers = [registry, openMetrics as unknown as Registry];
  const p = options.prefix;
  const counter = <L extends string>(name: string, help: string, labelNames: readonly L[]) =>
    new Counter({ name: `${p}${name}`, help, labelNames, registers });
  /** A counter whose counts are kept elsewhere: `counts()` is read at each scrape. */
  const countedElsewhere = <L extends string>(
    name: string,
    help: string,
    labelNames: readonly L[],
    counts: () => Iterable<[labels: Record<L, string>, count: number]>,
  ) =>
    new Counter({
      name: `${p}${name}`,
      help,
      labelNames,
      registers,
      collect() {
        this.reset();
        for (const [labels, count] of counts()) this.inc(labels, count);
      },
    });

  // Requests are tallied as they end and read into the metrics at scrape (see tally.ts).
  const tally = new RequestTally([...options.buckets].sort((a, b) => a - b));
  countedElsewhere(
    "requests_total",
    "Requests answered, by app, version and status class",
    ["app", "version", "status"],
    function* () {
      for (const { app, version, status, count } of tally.requests()) yield [{ app, version, status }, count];
    },
  );
  countedElsewhere(
    "runtime_errors_total",
    "Error responses made by the runtime itself, by code",
    ["code"],
    function* () {
      for (const [code, count] of tally.errors()) yield [{ code }, count];
    },
  );
  const latency = tallyHistogram({
    name: `${p}request_duration_seconds`,
    help: "Time to the response head, by app",
    tally,
  });
  for (const registry of registers) registry.registerMetric(latency);
  const spawns = counter("worker_spawns_total", "Workers started, by app", ["app"]);
  const recycles = counter("worker_recycles_total", "Workers recycled (gracefully replaced or stopped), by reason", [
    "reason",
  ]);
  const crashes = counter("worker_crashes_total", "Workers that crashed or stopped responding, by app", ["app"]);
  if (options.node !== undefined) {
    // "max": when a machine's processes report one id (BUNTIME_NODE_ID set), a merge must not say 2.
    new Gauge({
      name: `${p}node_info`,
      help: "This node's id, as a label; always 1",
      labelNames: ["node"] as const,
      registers,
      aggregator: "max",
    }).set({ node: options.node }, 1);
  }
  new Gauge({
    name: `${p}workers`,
    help: "Live workers by state",
    labelNames: ["state"] as const,
    registers,
    collect() {
      this.reset();
      for (const state of ["creating", "ready", "active", "idle", "draining"]) this.set({ state }, 0);
      for (const worker of options.workers()) this.inc({ state: worker.state });
    },
  });
  new Gauge({
    name: `${p}requests_in_flight`,
    help: "Requests in flight in workers",
    registers,
    collect() {
      this.set(options.workers().reduce((sum, w) => sum + w.inFlight, 0));
    },
  });
  // The scheduler keeps the counts (one place); the counter shows them.
  countedElsewhere(
    "schedule_runs_total",
    "Runs of apps' scheduled handlers, by app, cron and outcome (ok, error, timeout, skipped)",
    ["app", "cron", "outcome"],
    function* () {
      for (const schedule of options.schedules?.() ?? []) {
        for (const [outcome, count] of Object.entries(schedule.counts)) {
          yield [{ app: schedule.app, cron: schedule.cron, outcome }, count];
        }
      }
    },
  );
  new Gauge({
    name: `${p}websockets_open`,
    help: "Open WebSockets relayed to workers, by app",
    labelNames: ["app"] as const,
    registers,
    collect() {
      this.reset();
      for (const worker of options.workers()) if (worker.sockets > 0) this.inc({ app: worker.app }, worker.sockets);
    },
  });
  registerProcessMetrics(registers);

  return {
    registry,
    openMetrics,
    onRequestEnd(event: RequestEndEvent) {
      tally.record(event.app ?? "", event.version ?? "", event.status, event.code, event.durationMs / 1000);
    },
    onWorkerEvent(type: WorkerEventType, event: WorkerEvent) {
      if (type === "spawn") spawns.inc({ app: event.app });
      else if (type === "recycle") recycles.inc({ reason: event.reason ?? "unknown" });
      else if (type === "crash") crashes.inc({ app: event.app });
    },
    onVersionRemoved({ app, version, lastOfApp }: VersionRemovedEvent) {
      tally.forget(app, version, lastOfApp);
      if (!lastOfApp) return;
      spawns.remove({ app });
      crashes.remove({ app });
    },
  };
}

function registerProcessMetrics(registers: Registry[]): void {
  const startSeconds = Math.round(Date.now() / 1000 - process.uptime());
  new Gauge({
    name: "process_start_time_seconds",
    help: "Start time of the process since unix epoch in seconds",
    registers,
    collect() {
      this.set(startSeconds);
    },
  });
  new Counter({
    name: "process_cpu_seconds_total",
    help: "Total user and system CPU time spent in seconds",
    registers,
    collect() {
      const { user, system } = process.cpuUsage();
      this.reset();
      this.inc((user + system) / 1e6);
    },
  });
  new Gauge({
    name: "process_resident_memory_bytes",
    help: "Resident memory size in bytes",
    registers,
    collect() {
      this.set(process.memoryUsage().rss);
    },
  });
  new Gauge({
    name: "process_heap_bytes",
    help: "JavaScript heap in use by the main thread, in bytes",
    registers,
    collect() {
      this.set(process.memoryUsage().heapUsed);
    },
  });
  new Gauge({
    name: "process_open_fds",
    help: "Number of open file descriptors",
    registers,
    collect() {
      try {
        this.set(readdirSync("/proc/self/fd").length);
      } catch {
        this.set(0);
      }
    },
  });
}
