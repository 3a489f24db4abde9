/**
 * Scenario `plugins`: what the extension pipeline costs per request, as server CPU µs (as in
 * `cpu`). Three runtimes serve hello: no plugins at all, `@buntime/metrics` (listeners only,
 * the production default), and a pass-through plugin with `onRequest` and `onResponse` hooks.
 * With no plugins the hook path is skipped entirely: "no plugins" should equal the metrics run
 * within noise, and the hook run shows what a hook costs when there is one.
 */
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { HELLO, NO_RECYCLE, writeApp } from "../apps.ts";
import { cpuPerRequest, interleave, withServer } from "../measure.ts";
import { clockTicksPerSecond } from "../proc.ts";
import type { Scenario } from "../scenario.ts";
import { startRuntime } from "../servers/runtime.ts";
import { summarise } from "../stats.ts";

const PASS_THROUGH = `export default {
  name: "pass-through",
  onRequest() {},
  onResponse() {},
};
`;

export const plugins: Scenario = {
  name: "plugins",
  title: "server CPU µs per request: no plugins vs @buntime/metrics vs a pass-through hook plugin",
  async run(ctx) {
    const dir = ctx.workspace.appsDir("plugins");
    writeApp(dir, "hello", "1.0.0", HELLO, NO_RECYCLE);
    const none = join(ctx.workspace.root, "no-plugins.jsonc");
    writeFileSync(none, JSON.stringify({ plugins: [] }));
    const hookModule = join(ctx.workspace.root, "pass-through.ts");
    writeFileSync(hookModule, PASS_THROUGH);
    const hooks = join(ctx.workspace.root, "hooks.jsonc");
    writeFileSync(hooks, JSON.stringify({ plugins: ["@buntime/metrics", hookModule] }));
    const configs = { "no plugins": none, metrics: ctx.workspace.config, "metrics + hooks": hooks } as const;
    const tick = clockTicksPerSecond();
    const results = await interleave(ctx, Object.keys(configs) as (keyof typeof configs)[], async (side, round) => {
      const { usPerRequest } = await withServer(
        ctx,
        () => startRuntime({ appsDir: dir, config: configs[side] }),
        (server) => cpuPerRequest(ctx, server, server.appUrl("hello", "/")),
      );
      ctx.log(`  round ${round + 1} plugins ${side}: ${usPerRequest.toFixed(1)} µs/request`);
      return usPerRequest;
    });
    const row = (label: keyof typeof configs) => ({ label, summary: summarise(results[label]) });
    return [
      {
        measure: "CPU per request, metrics vs none",
        unit: "µs/req",
        better: "lower",
        a: row("metrics"),
        b: row("no plugins"),
        notes: [`CPU read in clock ticks of 1/${tick} s`],
      },
      {
        measure: "CPU per request, hook plugin vs none",
        unit: "µs/req",
        better: "lower",
        a: row("metrics + hooks"),
        b: row("no plugins"),
        notes: [],
      },
    ];
  },
};
