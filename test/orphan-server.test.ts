/**
 * A server whose supervisor dies before the go-ahead (killed while it re-executed itself, say)
 * does not live on as an orphan: it reads its supervisor's pid before waiting, so it sees that
 * it was left to init once the wait ends.
 */
import { expect, test } from "bun:test";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { parseProcStat } from "../server/src/supervised-server.ts";
import { FIXTURE_APPS, ROOT } from "./_setup.ts";

function running(pid: number): boolean {
  try {
    const state = parseProcStat(readFileSync(`/proc/${pid}/stat`, "utf8"))?.state;
    return state !== undefined && state !== "Z" && state !== "X";
  } catch {
    return false;
  }
}

test.each([
  ["before the go-ahead (ends itself within the 10 s wait and a second)", "vanishing-supervisor.ts"],
  ["before it even loaded (its parent is init by then)", "vanishing-supervisor-early.ts"],
])(
  "a server left by its supervisor %s ends itself",
  async (_, script) => {
    const fake = Bun.spawn([process.execPath, join(ROOT, "test/support", script)], {
      env: {
        PATH: process.env.PATH ?? "",
        PORT: "0",
        HOST: "127.0.0.1",
        APPS_DIR: FIXTURE_APPS,
        SHUTDOWN_TIMEOUT: "1",
      },
      stdout: "pipe",
    });
    const pid = Number((await new Response(fake.stdout).text()).trim());
    expect(await fake.exited).toBe(0);
    expect(pid).toBeGreaterThan(0);
    try {
      const until = Date.now() + 25_000;
      while (running(pid) && Date.now() < until) await Bun.sleep(100);
      expect(running(pid)).toBe(false);
    } finally {
      if (running(pid)) process.kill(pid, "SIGKILL");
    }
  },
  30_000,
);
