/**
 * Scenario `sse`: a stream of N Server-Sent Events written as fast as the reader takes them.
 * Through the runtime every event crosses from the worker to the main thread on its own, so
 * this measures per-chunk streaming cost. wrk with one connection requests the stream again
 * and again; its latency is the time to receive a whole stream, and events/s = streams/s × N.
 */
import { NO_RECYCLE, SSE, writeApp } from "../apps.ts";
import { errorNotes, interleave, startSide, warmAndLoad, withServer } from "../measure.ts";
import type { Scenario } from "../scenario.ts";
import { summarise } from "../stats.ts";

/** Bytes of the shortest event the app writes (`id: 0\nevent: tick\ndata: {"n":0}\n\n`). */
const MIN_EVENT_BYTES = 33;

export const sse: Scenario = {
  name: "sse",
  title: "an SSE stream of N events as fast as possible: events/s and time to complete a stream",
  async run(ctx) {
    const events = ctx.options.sseEvents;
    const dir = ctx.workspace.appsDir("sse");
    const module = writeApp(dir, "sse", "1.0.0", SSE, NO_RECYCLE);
    const path = `/?count=${events}`;
    const results = await interleave(ctx, ["runtime", "plain"] as const, async (side, round) => {
      const start = startSide(ctx, side, dir, module);
      // One connection: the stream's own speed, not how well many streams share two cores.
      const result = await withServer(ctx, start, (server) =>
        warmAndLoad(ctx, server.appUrl("sse", path), { connections: 1, threads: 1, timeoutSeconds: 30 }),
      );
      ctx.log(`  round ${round + 1} sse ${side}: ${(result.requestsPerSecond * events).toFixed(0)} events/s`);
      return result;
    });
    const short = [...results.runtime, ...results.plain].filter(
      (r) => r.requests > 0 && r.bytes / r.requests < events * MIN_EVENT_BYTES,
    );
    const notes = [
      ...errorNotes("runtime", results.runtime),
      ...errorNotes("Bun.serve", results.plain),
      ...(short.length ? [`${short.length} run(s) received fewer bytes than ${events} events`] : []),
    ];
    return [
      {
        measure: `SSE, ${events} events/stream`,
        unit: "events/s",
        better: "higher",
        a: { label: "runtime", summary: summarise(results.runtime.map((r) => r.requestsPerSecond * events)) },
        b: { label: "Bun.serve", summary: summarise(results.plain.map((r) => r.requestsPerSecond * events)) },
        notes,
      },
      {
        measure: `SSE, time to complete a stream (p50)`,
        unit: "ms",
        better: "lower",
        a: { label: "runtime", summary: summarise(results.runtime.map((r) => r.latencyMs.p50)) },
        b: { label: "Bun.serve", summary: summarise(results.plain.map((r) => r.latencyMs.p50)) },
      },
    ];
  },
};
