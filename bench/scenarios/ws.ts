/**
 * Scenario `ws`: WebSocket echo through a worker against the same app under plain Bun.serve.
 * One client connection keeps `WINDOW` messages in flight (text and binary alternately), each
 * answered by the app's `message` handler with `ws.send`; measured: echoed messages per second
 * and the round trip of each (p50, p99). Through the runtime every frame crosses the thread
 * boundary twice (client → worker, worker → client), batched per event-loop turn.
 */
import { NO_RECYCLE, writeApp } from "../apps.ts";
import { startSide, withServer } from "../measure.ts";
import { clockTicksPerSecond, cpuTicks } from "../proc.ts";
import type { Scenario } from "../scenario.ts";
import { percentile, summarise } from "../stats.ts";

/** The app: Bun.serve's shape, echoing every frame. */
const WS_ECHO = `export default {
  fetch(request, server) {
    if (server.upgrade(request)) return;
    return new Response("upgrade required", { status: 426 });
  },
  websocket: {
    message(ws, message) {
      ws.send(message);
    },
  },
};
`;

/** Messages in flight at once on the one connection. */
const WINDOW = 64;

interface EchoResult {
  messagesPerSecond: number;
  p50Ms: number;
  p99Ms: number;
  /** Server CPU (all its threads) per echoed message: what the load on the machine does not move. */
  cpuUsPerMessage: number;
}

/**
 * Echoes for `seconds` (after a 0.5 s warm-up) with WINDOW messages in flight; `pid`'s CPU
 * (utime + stime from /proc) is read around the measured part.
 */
async function echoLoad(url: string, seconds: number, pid: number): Promise<EchoResult> {
  const ws = new WebSocket(url.replace(/^http/, "ws"));
  ws.binaryType = "arraybuffer";
  await new Promise<void>((resolve, reject) => {
    ws.onopen = () => resolve();
    ws.onclose = (event) => reject(new Error(`closed before open: ${event.code}`));
  });
  const sentAt = new Float64Array(WINDOW * 4);
  const rtts: number[] = [];
  let seq = 0;
  let measuring = false;
  let received = 0;
  let stop = false;
  const send = () => {
    const n = seq++;
    sentAt[n % sentAt.length] = performance.now();
    if (n % 2 === 0) ws.send(String(n));
    else ws.send(new Float64Array([n]));
  };
  const done = Promise.withResolvers<void>();
  ws.onmessage = (event) => {
    const n =
      typeof event.data === "string" ? Number(event.data) : (new Float64Array(event.data as ArrayBuffer)[0] as number);
    if (measuring) {
      rtts.push(performance.now() - (sentAt[n % sentAt.length] as number));
      received++;
    }
    if (!stop) send();
    else if (n === seq - 1) done.resolve();
  };
  for (let i = 0; i < WINDOW; i++) send();
  await Bun.sleep(500);
  measuring = true;
  const ticksBefore = cpuTicks(pid);
  const started = performance.now();
  await Bun.sleep(seconds * 1000);
  measuring = false;
  const ticks = cpuTicks(pid) - ticksBefore;
  const elapsed = (performance.now() - started) / 1000;
  stop = true;
  await Promise.race([done.promise, Bun.sleep(2000)]);
  ws.close();
  return {
    messagesPerSecond: received / elapsed,
    p50Ms: percentile(rtts, 50),
    p99Ms: percentile(rtts, 99),
    cpuUsPerMessage: ((ticks / clockTicksPerSecond()) * 1e6) / Math.max(1, received),
  };
}

export const ws: Scenario = {
  name: "ws",
  title: "WebSocket echo, one connection with 64 messages in flight: messages/s and round trip (p50, p99)",
  async run(ctx) {
    const dir = ctx.workspace.appsDir("ws");
    const module = writeApp(dir, "ws", "1.0.0", WS_ECHO, NO_RECYCLE);
    const results: Record<"runtime" | "plain", EchoResult[]> = { runtime: [], plain: [] };
    for (let round = 0; round < ctx.options.rounds; round++) {
      for (const side of ["runtime", "plain"] as const) {
        const result = await withServer(ctx, startSide(ctx, side, dir, module), (server) =>
          echoLoad(server.appUrl("ws", "/"), ctx.options.seconds, server.pid),
        );
        ctx.log(
          `  round ${round + 1} ws ${side}: ${result.messagesPerSecond.toFixed(0)} msg/s, p99 ${result.p99Ms.toFixed(2)} ms`,
        );
        results[side].push(result);
      }
    }
    const row = (measure: string, unit: string, better: "higher" | "lower", pick: (r: EchoResult) => number) => ({
      measure,
      unit,
      better,
      a: { label: "runtime", summary: summarise(results.runtime.map(pick)) },
      b: { label: "Bun.serve", summary: summarise(results.plain.map(pick)) },
    });
    return [
      row("WebSocket echo", "msg/s", "higher", (r) => r.messagesPerSecond),
      row("WebSocket round trip (p50)", "ms", "lower", (r) => r.p50Ms),
      row("WebSocket round trip (p99)", "ms", "lower", (r) => r.p99Ms),
      row("WebSocket server CPU per message", "µs/msg", "lower", (r) => r.cpuUsPerMessage),
    ];
  },
};
