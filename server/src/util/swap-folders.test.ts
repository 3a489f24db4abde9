import { expect, test } from "bun:test";
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { swapFolders } from "./swap-folders.ts";

test("swaps two folders in one step; a missing one is refused and nothing moves", () => {
  const dir = mkdtempSync(join(tmpdir(), "swap-"));
  try {
    for (const name of ["a", "b"]) {
      mkdirSync(join(dir, name));
      writeFileSync(join(dir, name, "f"), name);
    }
    expect(swapFolders(join(dir, "a"), join(dir, "b"))).toBe(true);
    expect(readFileSync(join(dir, "a", "f"), "utf8")).toBe("b");
    expect(readFileSync(join(dir, "b", "f"), "utf8")).toBe("a");
    expect(swapFolders(join(dir, "a"), join(dir, "missing"))).toBe(false);
    expect(readFileSync(join(dir, "a", "f"), "utf8")).toBe("b");
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
