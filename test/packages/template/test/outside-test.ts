/**
 * Runs in a fresh folder outside the Buntime repository, against the packed and installed
 * packages (test/packages/outside-repo.ts copies it there as test/outside.test.ts).
 */
import { afterAll, beforeAll, expect, test } from "bun:test";
import { existsSync, readFileSync } from "node:fs";
import { dirname, resolve } from "node:path";
import { defineApp, definePlugin, defineWorker, workerConfigSchema } from "@buntime/sdk";
import { createEmulator, type Emulator } from "buntime-emulator";
import { benchApp } from "buntime-emulator/bench";
import { checkRecycling, checkTimeouts, mockOutbound } from "buntime-emulator/testing";

const REPO = resolve(import.meta.dir, "..");
const SITE = { "site@1.0.0": REPO };

let emu: Emulator;
beforeAll(async () => {
  emu = await createEmulator({ apps: SITE, ...mockOutbound(resolve(REPO, "mocks/upstream.ts")) });
});
afterAll(() => emu.dispose());

test("worker.jsonc's $schema is a path that exists: the SDK's JSON Schema", () => {
  const text = readFileSync(resolve(REPO, "worker.jsonc"), "utf8");
  const schemaPath = /"\$schema":\s*"([^"]+)"/.exec(text)?.[1];
  expect(schemaPath).toBe("./node_modules/@buntime/sdk/worker.schema.json");
  const file = resolve(dirname(resolve(REPO, "worker.jsonc")), schemaPath as string);
  expect(existsSync(file)).toBe(true);
  expect(JSON.parse(readFileSync(file, "utf8")).properties.timeout).toBeDefined();
});

test("defineWorker validates and fills in the defaults", () => {
  const config = defineWorker({ timeout: 5 });
  expect(config.timeout).toBe(5);
  expect(config.maxRequests).toBe(workerConfigSchema.parse({}).maxRequests);
  expect(() => defineWorker({ timeout: -1 } as never)).toThrow(/timeout/);
});

test("defineApp returns the app module it is given, its fetch included", () => {
  const fetch = () => new Response("from defineApp");
  const app = defineApp({ fetch });
  expect(app.fetch).toBe(fetch);
});

test("definePlugin makes a factory named for the plugin, which builds the plugin with its hooks", async () => {
  const onRequest = () => undefined;
  const factory = definePlugin({ name: "x", setup: () => ({ onRequest }) });
  expect(typeof factory).toBe("function");
  expect(factory.pluginName).toBe("x");
  const plugin = await factory({});
  expect(plugin.name).toBe("x");
  expect(plugin.onRequest).toBe(onRequest);
  expect((await definePlugin({ name: "x" })(undefined)).name).toBe("x");
});

test("createEmulator serves the app with its worker.jsonc", async () => {
  const res = await emu.fetch("/site/");
  expect(await res.json()).toEqual({ site: "outside" });
  expect(await (await emu.fetch("/site/health")).text()).toBe("ok");
});

test("mockOutbound answers the app's outbound fetch inside its worker", async () => {
  expect(await (await emu.fetch("/site/upstream")).json()).toEqual({ mocked: true });
});

test("checkRecycling: the app answers the same across recycles", async () => {
  const site = async (r: Response) => ((await r.json()) as { site?: string }).site;
  await checkRecycling(REPO, { runs: 5, seed: 7, check: async (r) => r.ok && (await site(r)) === "outside" });
}, 60_000);

test("checkTimeouts: a stalled request gets 504 APP_TIMEOUT once its timeout passes", async () => {
  await checkTimeouts(REPO, { slowPath: "/stall", runs: 3, seed: 7 });
}, 60_000);

test("benchApp measures the app directly and through the pool", async () => {
  const result = await benchApp(REPO, { time: 50, print: false });
  expect(result.direct.opsPerSec).toBeGreaterThan(0);
  expect(result.pool.opsPerSec).toBeGreaterThan(0);
}, 60_000);
