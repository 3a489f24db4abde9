/**
 * The lock file: one holder at a time, also when several writers find a lock whose owner died
 * (killed mid-write) and take it over at once.
 */
import { afterAll, expect, test } from "bun:test";
import { existsSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { withFileLock } from "./file-lock.ts";

const root = mkdtempSync(join(tmpdir(), "buntime-lock-"));
afterAll(() => rmSync(root, { recursive: true, force: true }));

/** The pid of a process that has exited (so no process has it now, barring reuse). */
async function deadPid(): Promise<number> {
  const child = Bun.spawn(["true"]);
  await child.exited;
  return child.pid;
}

test("writers that find a dead owner's lock at once take it over one at a time", async () => {
  const dead = await deadPid();
  let overlaps = 0;
  let runs = 0;
  for (let round = 0; round < 10; round++) {
    const lock = join(root, `r${round}.lock`);
    writeFileSync(lock, String(dead));
    let inside = 0;
    await Promise.all(
      Array.from({ length: 8 }, () =>
        withFileLock(lock, async () => {
          inside++;
          runs++;
          if (inside > 1) overlaps++;
          await Bun.sleep(2); // a write's length: another holder would enter meanwhile
          inside--;
        }),
      ),
    );
    expect(existsSync(lock)).toBe(false);
  }
  expect(runs).toBe(80);
  expect(overlaps).toBe(0);
});

test("a lock held by a live process is waited for, then given up with an error naming it", async () => {
  const lock = join(root, "live.lock");
  writeFileSync(lock, String(process.ppid));
  await expect(withFileLock(lock, async () => "never", 100)).rejects.toThrow(`held by process ${process.ppid}`);
  rmSync(lock);
});
