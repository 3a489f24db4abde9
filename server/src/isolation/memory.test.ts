import { expect, test } from "bun:test";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createMemoryLimiter, hardLimitBytes } from "./memory.ts";

test("the kernel's limit is twice maxMemory plus the runtime's own 64 MB", () => {
  expect(hardLimitBytes(128)).toBe((2 * 128 + 64) * 1024 * 1024);
});

test("without a cgroup it may create, the limiter is the watcher, and says why", () => {
  const root = mkdtempSync(join(tmpdir(), "no-cgroup-"));
  try {
    const limiter = createMemoryLimiter(root);
    expect(limiter.kind).toBe("watcher");
    expect(limiter.warning).toContain("maxMemory is not enforced by the kernel");
    expect(limiter.cage("w1", 1024)).toBeUndefined();
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
});
