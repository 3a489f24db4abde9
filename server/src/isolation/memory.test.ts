import { expect, test } from "bun:test";
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createMemoryLimiter, hardLimitBytes, limitedBy } from "./memory.ts";

test("the kernel's limit is twice maxMemory plus the runtime's own 64 MB", () => {
  expect(hardLimitBytes(128)).toBe((2 * 128 + 64) * 1024 * 1024);
});

/** The "Max address space" line of a Bun process started by `argv` (as nobody when root). */
async function addressSpaceOf(argv: string[]): Promise<string | undefined> {
  const script = 'console.log(require("node:fs").readFileSync("/proc/self/limits", "utf8"))';
  const child = Bun.spawn(
    argv.map((a) => (a === "SCRIPT" ? script : a)),
    {
      env: {},
      stdout: "pipe",
      ...(process.getuid?.() === 0 ? { uid: 65534, gid: 65534 } : {}),
    },
  );
  const limits = await new Response(child.stdout).text();
  expect(await child.exited).toBe(0);
  return /^Max address space.*$/m.exec(limits)?.[0].replace(/\s+/g, " ");
}

test("without a cgroup it may create, the limiter is an address-space limit set before Bun starts, and says so", async () => {
  const root = mkdtempSync(join(tmpdir(), "no-cgroup-"));
  try {
    const limiter = createMemoryLimiter(root);
    expect(limiter.kind).toBe("rlimit");
    expect(limiter.warning).toContain("address-space limit");
    const argv = limiter.cage("w1", 3 * 1024 ** 3)?.wrap([process.execPath, "-e", "SCRIPT"]) ?? [];
    expect(await addressSpaceOf(argv)).toBe("Max address space 3221225472 3221225472 bytes ");
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
});

test("the address-space limit is never below the 1 GB Bun needs to start, and adds nothing to the env", async () => {
  expect(await addressSpaceOf(limitedBy(1000, [process.execPath, "-e", "SCRIPT"]))).toBe(
    "Max address space 1073741824 1073741824 bytes ",
  );
  const env = Bun.spawn(limitedBy(1000, ["/usr/bin/env"]), { env: { ONLY: "this" }, stdout: "pipe" });
  expect(await new Response(env.stdout).text()).toBe("ONLY=this\n");
});

test("a v1 memory hierarchy: a folder of its own (removed by close); dead servers' workers killed, their folders swept", async () => {
  const root = mkdtempSync(join(tmpdir(), "cgroup-"));
  const orphan = Bun.spawn(["sleep", "30"]);
  try {
    const own = readFileSync("/proc/self/cgroup", "utf8")
      .split("\n")
      .map((line) => line.split(":"))
      .find(([, controllers]) => controllers?.split(",").includes("memory"))
      ?.slice(2)
      .join(":");
    if (own === undefined) throw new Error("this machine has no v1 memory controller line");
    const parent = join(root, "memory", own);
    mkdirSync(parent, { recursive: true });
    writeFileSync(join(parent, "memory.limit_in_bytes"), "");
    mkdirSync(join(parent, "buntime-999999998-1", "w1"), { recursive: true }); // a dead server's, empty
    mkdirSync(join(parent, "buntime-999999999-1", "w1"), { recursive: true }); // a dead server's, a worker left
    writeFileSync(join(parent, "buntime-999999999-1", "w1", "cgroup.procs"), `${orphan.pid}\n`);
    mkdirSync(join(parent, `buntime-${process.pid}-999`)); // a live server's
    const listed = () => readdirSync(parent).filter((entry) => entry.startsWith("buntime-"));
    const limiter = createMemoryLimiter(root);
    expect(limiter.kind).toBe("cgroup-v1");
    expect(await orphan.exited).not.toBe(0); // killed by the sweep
    expect(listed()).not.toContain("buntime-999999998-1");
    expect(listed()).toContain(`buntime-${process.pid}-999`);
    const created = listed().filter(
      // The dead servers' names exactly: this process's own pid may start with 9 as well.
      (entry) => !entry.startsWith("buntime-99999999") && entry !== `buntime-${process.pid}-999`,
    );
    expect(created).toHaveLength(1);
    limiter.close();
    expect(listed()).not.toContain(created[0]);
  } finally {
    orphan.kill();
    rmSync(root, { recursive: true, force: true });
  }
});
