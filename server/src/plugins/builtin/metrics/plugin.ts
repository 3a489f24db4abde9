import { definePlugin } from "@buntime/sdk";
import { Hono } from "hono";
import { z } from "zod";
import { currentProcessIdentity } from "../../../processes/identity.ts";
import { type GroupMetrics, groupMetrics } from "./processes.ts";
import { createMetricsRegistry } from "./registry.ts";

const options = z
  .object({
    /** Prefix of every runtime metric name. */
    prefix: z
      .string()
      .regex(/^[a-zA-Z_:][a-zA-Z0-9_:]*$/)
      .default("buntime_"),
    /** Latency histogram buckets, in seconds. */
    buckets: z
      .array(z.number().positive())
      .min(1)
      // A bound given twice is a series given twice: a Prometheus scrape refuses the duplicate samples.
      .refine((bounds) => new Set(bounds).size === bounds.length, "each bucket bound at most once")
      .default([0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30]),
  })
  .strict();

/**
 * `@buntime/metrics`: Prometheus metrics at `/_/metrics/prometheus`, text format 0.0.4, or
 * OpenMetrics when the `Accept` header asks for `application/openmetrics-text`.
 */
export const metricsPlugin = definePlugin({
  name: "@buntime/metrics",
  priority: 0,
  options,
  setup(opts) {
    let metrics: ReturnType<typeof createMetricsRegistry> | undefined;
    // With BUNTIME_PROCESSES > 1: every process's metrics in each scrape (./processes.ts).
    let group: GroupMetrics | undefined;
    const routes = new Hono();
    routes.get("/prometheus", async (c) => {
      if (!metrics) return c.text("metrics not initialised", 503);
      const wantsOpenMetrics = (c.req.header("accept") ?? "").includes("application/openmetrics-text");
      if (group) {
        const { body, contentType } = await group.render(wantsOpenMetrics);
        return c.body(body, 200, { "content-type": contentType });
      }
      const registry = wantsOpenMetrics ? metrics.openMetrics : metrics.registry;
      const body = await registry.metrics();
      return c.body(body, 200, { "content-type": registry.contentType });
    });
    return {
      onInit(ctx) {
        metrics = createMetricsRegistry({
          ...opts,
          workers: () => ctx.pool.workers(),
          schedules: () => ctx.schedules?.list() ?? [],
          node: ctx.config.nodeId,
        });
        const m = metrics;
        ctx.onRequestEnd((event) => m.onRequestEnd(event));
        ctx.onWorkerEvent((type, event) => m.onWorkerEvent(type, event));
        ctx.onVersionRemoved?.((event) => m.onVersionRemoved(event));
        const identity = currentProcessIdentity();
        if (identity) group = groupMetrics(identity, m);
      },
      onShutdown() {
        group?.close();
      },
      routes,
    };
  },
});
