/**
 * Scenario `compare` (`bun bench --against <git-ref>`, not part of a full run): the runtime at
 * `<ref>` (A) against the working tree's (B), hello through each, interleaved A B A B… with fresh
 * servers: req/s, server CPU per request and wrk's p99, without recycling and with the default
 * `maxRequests` (what a worker's start and first requests cost). Two builds in one run on one machine are
 * what shows a change of a microsecond or two; separate runs of this noisy machine do not.
 */

import { HELLO, NO_RECYCLE, writeApp } from "../apps.ts";
import { checkoutBaseline } from "../baseline.ts";
import { cpuPerRequest, errorNotes, interleave, withServer } from "../measure.ts";
import type { Scenario } from "../scenario.ts";
import { startRuntime } from "../servers/runtime.ts";
import { summarise } from "../stats.ts";

export const compare: Scenario = {
  name: "compare",
  title: "the runtime at --against <ref> (A) vs the working tree (B): hello req/s and CPU per request",
  async run(ctx) {
    const ref = ctx.options.against;
    if (ref === undefined) throw new Error("compare needs --against <git-ref>");
    const baseline = checkoutBaseline(ref, ctx.workspace.root);
    try {
      const dir = ctx.workspace.appsDir("compare");
      writeApp(dir, "hello", "1.0.0", HELLO, NO_RECYCLE);
      writeApp(dir, "recycling", "1.0.0", HELLO);
      const variants = ["baseline", "tree", "baselineRecycling", "treeRecycling"] as const;
      const root = (variant: (typeof variants)[number]) => (variant.startsWith("baseline") ? baseline.root : undefined);
      const results = await interleave(ctx, variants, async (variant, round) => {
        const start = () => startRuntime({ appsDir: dir, config: ctx.workspace.config, root: root(variant) });
        const app = variant.endsWith("Recycling") ? "recycling" : "hello";
        const measured = await withServer(ctx, start, (server) => cpuPerRequest(ctx, server, server.appUrl(app, "/")));
        ctx.log(
          `  round ${round + 1} ${variant}: ${measured.result.requestsPerSecond.toFixed(0)} req/s, ${measured.usPerRequest.toFixed(1)} µs/request`,
        );
        return measured;
      });
      const short = baseline.commit.slice(0, 7);
      const a = baseline.commit.startsWith(ref) ? short : `${ref} (${short})`;
      type Measured = (typeof results.tree)[number];
      const sides = (pick: (m: Measured) => number, recycling = false) => ({
        a: { label: a, summary: summarise((recycling ? results.baselineRecycling : results.baseline).map(pick)) },
        b: { label: "working tree", summary: summarise((recycling ? results.treeRecycling : results.tree).map(pick)) },
      });
      const notes = [
        ...errorNotes(
          a,
          [...results.baseline, ...results.baselineRecycling].map((m) => m.result),
        ),
        ...errorNotes(
          "working tree",
          [...results.tree, ...results.treeRecycling].map((m) => m.result),
        ),
      ];
      return [
        {
          measure: "hello through the runtime",
          unit: "req/s",
          better: "higher",
          ...sides((m) => m.result.requestsPerSecond),
          notes,
        },
        { measure: "server CPU per request (hello)", unit: "µs/req", better: "lower", ...sides((m) => m.usPerRequest) },
        {
          measure: "main-thread CPU per request (hello)",
          unit: "µs/req",
          better: "lower",
          ...sides((m) => m.mainUsPerRequest),
        },
        {
          measure: "hello latency p99 (median of rounds)",
          unit: "ms",
          better: "lower",
          ...sides((m) => m.result.latencyMs.p99),
        },
        {
          measure: "hello, default maxRequests",
          unit: "req/s",
          better: "higher",
          ...sides((m) => m.result.requestsPerSecond, true),
        },
        {
          measure: "server CPU per request, default maxRequests",
          unit: "µs/req",
          better: "lower",
          ...sides((m) => m.usPerRequest, true),
        },
      ];
    } finally {
      baseline.remove();
    }
  },
};
