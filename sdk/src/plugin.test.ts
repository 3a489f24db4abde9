import { describe, expect, test } from "bun:test";
import { Hono } from "hono";
import { formatIssues } from "./format-issues.ts";
import { definePlugin, pluginSchema } from "./plugin.ts";

const problems = (value: unknown) => {
  const result = pluginSchema.safeParse(value);
  return result.success ? "" : formatIssues(result.error, "(plugin)");
};

/** `pluginSchema` is the plugin's one shape: what the runtime accepts, and the `Plugin` type. */
describe("pluginSchema", () => {
  test("accepts what definePlugin makes, and a plain object with every hook and routes", async () => {
    const made = await definePlugin({ name: "audit", setup: () => ({ onRequest() {} }) })({});
    expect(problems(made)).toBe("");
    const hooks = { onInit() {}, onRequest() {}, onResponse() {}, onWorkerSpawn() {}, onWorkerTerminate() {} };
    expect(
      problems({ name: "all", priority: 5, dependencies: ["audit"], ...hooks, onShutdown() {}, routes: new Hono() }),
    ).toBe("");
  });

  test.each([
    [{}, "name:"],
    [{ name: "" }, "name:"],
    [{ name: "x", priority: "1" }, "priority:"],
    [{ name: "x", dependencies: "audit" }, "dependencies:"],
    [{ name: "x", onRequest: "log it" }, "onRequest: expected a function"],
    [{ name: "x", onShutdown: {} }, "onShutdown: expected a function"],
    [{ name: "x", routes: {} }, "routes: expected a Hono app"],
    ["a string", "(plugin):"],
  ])("refuses %p, naming the field", (value, named) => {
    expect(problems(value)).toContain(named);
  });
});
