import { expect, test } from "bun:test";
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
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

test("a v1 memory hierarchy: a folder of its own (removed by close), and folders of dead servers swept", () => {
  const root = mkdtempSync(join(tmpdir(), "cgroup-"));
  try {
    const own = readFileSync("/proc/self/cgroup", "utf8")
      .split("\n")
      .map((line) => line.split(":"))
      .find(([, controllers]) => controllers?.split(",").includes("memory"))
      ?.slice(2)
      .join(":");
    if (own === undefined) throw new Error("this machine has no v1 memory controller line");
    const parent = join(root, "memory", own);
    mkdirSync(join(parent, "buntime-999999999-1", "w1"), { recursive: true }); // a dead server's
    mkdirSync(join(parent, `buntime-${process.pid}-999`), { recursive: true }); // a live one's
    writeFileSync(join(parent, "memory.limit_in_bytes"), "");
    const limiter = createMemoryLimiter(root);
    expect(limiter.kind).toBe("cgroup-v1");
    const mine = readdirSync(parent).filter((entry) => entry.startsWith("buntime-"));
    expect(mine).toHaveLength(2);
    expect(mine).toContain(`buntime-${process.pid}-999`);
    expect(mine).not.toContain("buntime-999999999-1");
    limiter.close();
    expect(readdirSync(parent).filter((entry) => entry.startsWith("buntime-"))).toEqual([`buntime-${process.pid}-999`]);
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
});
