import { afterAll, expect, test } from "bun:test";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { silentLogger } from "../util/log.ts";
import { loadPlugins, PluginLoadError } from "./load.ts";

const dir = mkdtempSync(join(tmpdir(), "buntime-load-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
writeFileSync(join(dir, "bad.ts"), `export default { name: "bad", onRequest: "not a function" };`);

const load = (required: boolean) =>
  loadPlugins(
    { baseDir: dir, plugins: [{ specifier: "./bad.ts", options: {}, required }] },
    { env: {}, logger: silentLogger },
  );

test("a required module that is not a plugin stops the start, naming the field", async () => {
  const error = await load(true).catch((e: unknown) => e);
  expect(error).toBeInstanceOf(PluginLoadError);
  expect((error as Error).message).toContain("./bad.ts: not a plugin: onRequest: expected a function");
});

test("an optional one is skipped", async () => {
  expect((await load(false)).plugins).toEqual([]);
});
