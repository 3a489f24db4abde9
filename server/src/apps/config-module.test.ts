import { expect, test } from "bun:test";
import { join, resolve } from "node:path";
import { BuntimeError } from "../errors.ts";
import { loadAppVersion } from "./config.ts";
import { configLoaderThreads, evaluateConfigModule } from "./config-module.ts";

const FIXTURES = resolve(import.meta.dir, "../../../fixtures/apps");
const config = (app: string) => join(FIXTURES, app, "1.0.0", "worker.config.ts");
/** Configs that never finish (kept out of fixtures/apps: see its README). */
const NEVER_ENDS = resolve(import.meta.dir, "../../../fixtures/configs");

/** The error `promise` rejects with (fails the test if it resolves). */
async function refusal(promise: Promise<unknown>): Promise<BuntimeError> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(BuntimeError);
  return error as BuntimeError;
}

/** CPU this process used per millisecond of wall time over `ms` (1: one core busy all along). */
async function cpuShare(ms: number): Promise<number> {
  const before = process.cpuUsage();
  const start = performance.now();
  await Bun.sleep(ms);
  const used = process.cpuUsage(before);
  return (used.user + used.system) / 1000 / (performance.now() - start);
}

test("a config is evaluated and its loader thread closes", async () => {
  expect(await evaluateConfigModule(config("config-ts-env"))).toMatchObject({ env: { FROM_CONFIG_TS: "yes" } });
  await configLoaderThreads().closed;
  expect(configLoaderThreads().live).toBe(0);
});

test.each([
  ["loops-forever.ts", "a loop at its top level"],
  ["awaits-forever.ts", "a top-level await that never settles"],
])("%s (%s) fails at the timeout and its thread is terminated", async (file) => {
  const started = performance.now();
  const error = await refusal(evaluateConfigModule(join(NEVER_ENDS, file), 300));
  expect(error.code).toBe("APP_CONFIG_INVALID");
  expect(error.message).toContain("worker.config.ts: not evaluated within 300 ms");
  expect(performance.now() - started).toBeLessThan(3000);
  await configLoaderThreads().closed; // the thread's own close event
  expect(configLoaderThreads().live).toBe(0);
});

test("no thread is left spinning after a looping config's load failed", async () => {
  await refusal(evaluateConfigModule(join(NEVER_ENDS, "loops-forever.ts"), 300));
  await configLoaderThreads().closed;
  // A thread left spinning would keep one core busy (~1.0); idle, this process uses almost none.
  expect(await cpuShare(500)).toBeLessThan(0.4);
});

test("a config that posts to the runtime fails its load, and the host does not throw", async () => {
  const error = await refusal(evaluateConfigModule(config("config-posts-garbage")));
  expect(error.code).toBe("APP_CONFIG_INVALID");
  expect(error.message).toContain("posted a message of its own");
  await configLoaderThreads().closed;
});

test("a config whose thread exits fails its load at once", async () => {
  const started = performance.now();
  const error = await refusal(evaluateConfigModule(config("config-exits")));
  expect(error.code).toBe("APP_CONFIG_INVALID");
  expect(error.message).toContain("exited before answering");
  expect(performance.now() - started).toBeLessThan(3000);
  await configLoaderThreads().closed;
});

test("a config that throws fails with its message", async () => {
  const error = await refusal(evaluateConfigModule(config("bad-config-ts")));
  expect(error.code).toBe("APP_CONFIG_INVALID");
  expect(error.message).toContain("timeout");
  await configLoaderThreads().closed;
});

test("through loadAppVersion (deploys and the catalogue): a config that posts is APP_CONFIG_INVALID", async () => {
  const error = await refusal(
    loadAppVersion("config-posts-garbage", "1.0.0", join(FIXTURES, "config-posts-garbage", "1.0.0")),
  );
  expect(error.code).toBe("APP_CONFIG_INVALID");
  await configLoaderThreads().closed;
});
