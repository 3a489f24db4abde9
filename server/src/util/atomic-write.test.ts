import { expect, test } from "bun:test";
import { mkdtempSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { removeStaleTemps } from "./atomic-write.ts";

test("removeStaleTemps removes dead processes' temp files and this one's, never a live process's (mid-write)", async () => {
  const dir = mkdtempSync(join(tmpdir(), "atomic-"));
  const sibling = Bun.spawn(["sleep", "30"]);
  const ended = Bun.spawn(["true"]);
  await ended.exited;
  try {
    const temp = (pid: number) => `.keys.json.${pid}.abcd1234.tmp`;
    for (const pid of [sibling.pid, ended.pid, process.pid]) writeFileSync(join(dir, temp(pid)), "{");
    writeFileSync(join(dir, "keys.json"), "{}");
    await removeStaleTemps(join(dir, "keys.json"));
    expect(readdirSync(dir).sort()).toEqual([temp(sibling.pid), "keys.json"].sort());
  } finally {
    sibling.kill();
    rmSync(dir, { recursive: true, force: true });
  }
});
