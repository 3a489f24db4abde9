import { describe, expect, test } from "bun:test";
import { workerSchemaJson } from "./json-schema.ts";
import { defineWorker, workerConfigSchema } from "./worker-config.ts";

describe("worker config schema", () => {
  test("fills the contract's defaults", () => {
    expect(workerConfigSchema.parse({})).toEqual({
      timeout: 30,
      ttl: 0,
      idleTimeout: 60,
      maxRequests: 1000,
      lowMemory: false,
      autoInstall: false,
      env: {},
      isolation: "thread",
      schedules: [],
      concurrency: 100,
      maxWorkers: 1,
      maxQueue: 100,
    });
  });

  test.each([
    [{ timeout: 0 }, "timeout"],
    [{ timeout: "5" }, "timeout"],
    [{ ttl: -1 }, "ttl"],
    [{ idleTimeout: 0 }, "idleTimeout"],
    [{ maxRequests: 1.5 }, "maxRequests"],
    [{ lowMemory: "yes" }, "lowMemory"],
    [{ autoInstall: 1 }, "autoInstall"],
    [{ env: { A: 1 } }, "env.A"],
    [{ concurrency: 0 }, "concurrency"],
    [{ maxWorkers: -2 }, "maxWorkers"],
    [{ maxQueue: -1 }, "maxQueue"],
    [{ maxMemory: 0 }, "maxMemory"],
    [{ entrypoint: "" }, "entrypoint"],
  ])("rejects %j naming %s", (input, field) => {
    expect(() => defineWorker(input as never)).toThrow(`${field}:`);
  });

  test("rejects unknown fields by name", () => {
    expect(() => defineWorker({ timeOut: 5 } as never)).toThrow("timeOut");
  });

  test("defineWorker returns the parsed config", () => {
    expect(defineWorker({ timeout: 5, env: { A: "1" } })).toMatchObject({
      timeout: 5,
      env: { A: "1" },
      maxRequests: 1000,
    });
  });

  test("the published worker.schema.json is up to date (bun sdk/scripts/gen-schema.ts)", async () => {
    const published = await Bun.file(new URL("../worker.schema.json", import.meta.url)).text();
    expect(published).toBe(workerSchemaJson());
  });
});
