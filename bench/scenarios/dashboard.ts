/**
 * Scenario `dashboard`: what an open dashboard costs the apps. Server CPU per request of hello
 * under load (as `cpu` measures it) with 0 and with 5 clients reading `/_/sse` (each an
 * EventSource-like fetch reader, as 5 browsers with the dashboard open: a stats event a second,
 * with the live workers, and every lifecycle event), side by side in interleaved rounds.
 * Target: under 5 % more CPU per request with the 5 readers.
 */
import { HELLO, NO_RECYCLE, writeApp } from "../apps.ts";
import { cpuPerRequest, errorNotes, interleave, withServer } from "../measure.ts";
import type { Scenario } from "../scenario.ts";
import { startRuntime } from "../servers/runtime.ts";
import type { ServerHandle } from "../servers/server.ts";
import { summarise } from "../stats.ts";

const READERS = 5;
const TOKEN = "bench-dashboard-token";
/** The first line of an event (a chunk may hold one event, several, or part of one). */
const EVENT_LINE = /(?:^|\n)event: /g;

/** Opens `n` readers of `/_/sse` that consume every byte; resolves once each got its first event. */
async function openReaders(server: ServerHandle, n: number): Promise<{ events: () => number; close: () => void }> {
  const controller = new AbortController();
  let events = 0;
  const first: Promise<void>[] = [];
  for (let i = 0; i < n; i++) {
    const response = await fetch(new URL("/_/sse", server.url), {
      headers: { authorization: `Bearer ${TOKEN}`, accept: "text/event-stream" },
      signal: controller.signal,
    });
    if (response.status !== 200 || !response.body) throw new Error(`/_/sse answered ${response.status}`);
    const reader = response.body.getReader();
    const decoder = new TextDecoder();
    first.push(
      new Promise<void>((resolve, reject) => {
        (async () => {
          let started = false;
          for (;;) {
            const { done, value } = await reader.read();
            if (done) return;
            events += decoder.decode(value, { stream: true }).match(EVENT_LINE)?.length ?? 0;
            if (!started) {
              started = true;
              resolve();
            }
          }
        })().catch((error) => (controller.signal.aborted ? undefined : reject(error)));
      }),
    );
  }
  await Promise.all(first);
  return { events: () => events, close: () => controller.abort() };
}

export const dashboard: Scenario = {
  name: "dashboard",
  title: `server CPU µs per request of hello with ${READERS} dashboard SSE readers open vs none`,
  async run(ctx) {
    const dir = ctx.workspace.appsDir("dashboard");
    writeApp(dir, "hello", "1.0.0", HELLO, NO_RECYCLE);
    const start = () =>
      startRuntime({ appsDir: dir, config: ctx.workspace.config, env: { BUNTIME_ADMIN_TOKEN: TOKEN } });
    const seen: number[] = [];
    const results = await interleave(ctx, ["readers", "none"] as const, async (side, round) => {
      const measured = await withServer(ctx, start, async (server) => {
        const readers = side === "readers" ? await openReaders(server, READERS) : undefined;
        try {
          return await cpuPerRequest(ctx, server, server.appUrl("hello", "/"));
        } finally {
          if (readers) seen.push(readers.events());
          readers?.close();
        }
      });
      ctx.log(`  round ${round + 1} dashboard ${side}: ${measured.usPerRequest.toFixed(1)} µs/request`);
      return measured;
    });
    const a = summarise(results.readers.map((r) => r.usPerRequest));
    const b = summarise(results.none.map((r) => r.usPerRequest));
    return [
      {
        measure: `server CPU per request (hello), ${READERS} /_/sse readers vs none`,
        unit: "µs/req",
        better: "lower",
        a: { label: `${READERS} SSE readers`, summary: a },
        b: { label: "no reader", summary: b },
        notes: [
          ...errorNotes(
            "readers",
            results.readers.map((r) => r.result),
          ),
          ...errorNotes(
            "none",
            results.none.map((r) => r.result),
          ),
          `events received by the readers per round (all ${READERS}): ${seen.join(", ")}`,
          "target: the readers add under 5 % CPU per request",
        ],
      },
    ];
  },
};
