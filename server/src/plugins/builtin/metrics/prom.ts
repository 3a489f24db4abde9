/// <reference path="./prom-client-lib.d.ts" />
/**
 * The parts of prom-client the metrics use, each from its own file rather than the package's
 * index. The index also loads its push gateway (node:http and node:https) and its default-metrics
 * collectors, neither used here. Measured (a fresh Bun, `bun:jsc` heapStats after a full
 * collection): the index leaves about 15,300 objects and 1.7 MB on the heap and takes about 35 ms
 * to import; these four files, 2,900 objects, 0.3 MB and 7 ms. The heap is the server's main
 * thread's: each of its full collections marks every one of those objects while requests wait,
 * part of the proxy's tail latency (bench/README.md, "Where the time goes").
 *
 * The files are prom-client 15.1's own layout (`lib/*.js`, each `module.exports` one class, no
 * `exports` map to forbid reaching them); the types come from its index (`prom-client-lib.d.ts`).
 * server/package.json pins `~15.1` so that an install outside this lockfile gets the same
 * layout; another layout fails the server's start and every metrics test, not silently.
 */
import type { PrometheusContentType, Registry as PromRegistry, RegistryContentType } from "prom-client";
import AggregatorRegistry from "prom-client/lib/cluster";
import Counter from "prom-client/lib/counter";
import Gauge from "prom-client/lib/gauge";
import RegistryClass from "prom-client/lib/registry";

export { AggregatorRegistry, Counter, Gauge };
export const Registry = RegistryClass;
export type Registry<T extends RegistryContentType = PrometheusContentType> = PromRegistry<T>;

/** `application/openmetrics-text; version=1.0.0; charset=utf-8`, as the index exports it. */
export const openMetricsContentType = RegistryClass.OPENMETRICS_CONTENT_TYPE;
