/**
 * Scenario `cold`: the first request to a version that has never run. Through the runtime that
 * is a new worker thread (read config, start the thread, import the app, answer); the baseline
 * is what a process-per-app platform pays: a new `bun plain-server.ts` process, from spawn to
 * its first full response. Versions `cold/1.0.<i>` are requested once each, sequentially, spread
 * over the rounds (a fresh runtime per round), each sample followed by a baseline sample.
 * So are versions of a hello that imports `defineApp` from `@buntime/sdk` (whose root evaluates
 * zod) and from `@buntime/sdk/app` (which imports nothing): what app code's import costs a start.
 */
import { HELLO, writeApp } from "../apps.ts";
import { expectOk, withServer } from "../measure.ts";
import type { Row, Scenario } from "../scenario.ts";
import { startPlain } from "../servers/plain.ts";
import { startRuntime } from "../servers/runtime.ts";
import type { ServerHandle } from "../servers/server.ts";
import { summarise } from "../stats.ts";

export const cold: Scenario = {
  name: "cold",
  title: "cold start: first request to a never-started version (new worker vs new Bun process)",
  async run(ctx) {
    const count = ctx.options.coldVersions;
    const rounds = Math.min(ctx.options.rounds, count);
    const dir = ctx.workspace.appsDir("cold");
    writeApp(dir, "warm", "1.0.0", HELLO);
    const modules = Array.from({ length: count }, (_, i) => writeApp(dir, "cold", `1.0.${i}`, HELLO));
    for (let i = 0; i < count; i++) {
      writeApp(dir, "sdkroot", `1.0.${i}`, sdkHello("@buntime/sdk"));
      writeApp(dir, "sdkapp", `1.0.${i}`, sdkHello("@buntime/sdk/app"));
    }
    const runtime: number[] = [];
    const plain: number[] = [];
    const sdkRoot: number[] = [];
    const sdkApp: number[] = [];
    for (let round = 0; round < rounds; round++) {
      const start = () => startRuntime({ appsDir: dir, config: ctx.workspace.config });
      await withServer(ctx, start, async (server) => {
        // The main thread's code paths and the client's connection are warm; only the version is cold.
        await expectOk(server.appUrl("warm", "/"));
        for (let i = round; i < count; i += rounds) {
          runtime.push(await timed(() => expectOk(server.appUrl(`cold@1.0.${i}`, "/"))));
          const spawned = performance.now();
          const firstResponse = (p: ServerHandle) =>
            expectOk(p.appUrl("", "/")).then(() => performance.now() - spawned);
          plain.push(await withServer(ctx, () => startPlain(modules[i] as string), firstResponse));
        }
        // After the rows above, so their workers are the only ones; in turns, so neither goes first always.
        for (let i = round; i < count; i += rounds) {
          const pairs: [string, number[]][] = [
            ["sdkroot", sdkRoot],
            ["sdkapp", sdkApp],
          ];
          if (i % 2 === 1) pairs.reverse();
          for (const [app, samples] of pairs)
            samples.push(await timed(() => expectOk(server.appUrl(`${app}@1.0.${i}`, "/"))));
        }
      });
      ctx.log(`  round ${round + 1} cold: ${runtime.length} of ${count} versions`);
    }
    const row = (statistic: "p50" | "p90"): Row => ({
      measure: `cold start ${statistic} (${count} versions)`,
      unit: "ms",
      better: "lower",
      a: { label: "runtime: new worker", summary: summarise(runtime, statistic) },
      b: { label: "new Bun process", summary: summarise(plain, statistic) },
    });
    const sdk: Row = {
      measure: `cold start p50, app importing the SDK (${count} versions)`,
      unit: "ms",
      better: "lower",
      a: { label: "@buntime/sdk", summary: summarise(sdkRoot, "p50") },
      b: { label: "@buntime/sdk/app", summary: summarise(sdkApp, "p50") },
    };
    return [row("p50"), row("p90"), sdk];
  },
};

/** A hello that imports `defineApp` from `specifier`. */
function sdkHello(specifier: string): string {
  return `import { defineApp } from "${specifier}";\nexport default defineApp({ fetch: () => new Response("Hello, world!") });\n`;
}

async function timed(fn: () => Promise<unknown>): Promise<number> {
  const started = performance.now();
  await fn();
  return performance.now() - started;
}
