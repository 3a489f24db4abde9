import { afterAll, expect, test } from "bun:test";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { HELLO, writeApp } from "../apps.ts";
import { startNaive } from "./naive.ts";
import { startPoolAlone } from "./pool.ts";

const dir = mkdtempSync(join(tmpdir(), "bench-baselines-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const module = writeApp(dir, "hello", "1.0.0", HELLO);

for (const [label, start] of [
  ["the naive proxy", startNaive],
  ["the pool alone", startPoolAlone],
] as const) {
  test(`${label} serves the app module at its root, through a worker, and stops`, async () => {
    const server = await start(module);
    try {
      const answers = await Promise.all(
        Array.from({ length: 8 }, () => fetch(server.appUrl("hello", "/any/path")).then((r) => r.text())),
      );
      expect(answers).toEqual(Array(8).fill("Hello, world!"));
    } finally {
      await server.stop();
    }
    expect(server.exitStatus()).toBeDefined();
  });
}
