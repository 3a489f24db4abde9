import { afterEach, describe, expect, test } from "bun:test";
import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parseEntry } from "../plugins/builtin/authz/pdp/index.ts";
import { PolicyStore } from "../plugins/builtin/authz/store/store.ts";
import {
  fileLeaseStore,
  filePolicyDocStore,
  fileStore,
  LEASE_FILE,
  memoryLeaseStore,
  memoryNodeStore,
  POLICY_FILE,
} from "./file-store.ts";

const dirs: string[] = [];
function tempDir(): string {
  const dir = mkdtempSync(join(tmpdir(), "buntime-file-store-"));
  dirs.push(dir);
  return dir;
}
afterEach(() => {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

describe("files store", () => {
  test("policies: two processes' authz stores adding at once keep both (update under the lock file)", async () => {
    const path = join(tempDir(), POLICY_FILE);
    const [a, b] = [new PolicyStore(filePolicyDocStore(path)), new PolicyStore(filePolicyDocStore(path))];
    const entry = (id: string) => {
      const parsed = parseEntry({ id, effect: "permit" });
      if (!parsed.ok) throw new Error("bad entry");
      return parsed.value;
    };
    await Promise.all(Array.from({ length: 10 }, (_, i) => [a.add(entry(`a${i}`)), b.add(entry(`b${i}`))]).flat());
    expect((await filePolicyDocStore(path).read()) as unknown[]).toHaveLength(20);
  });

  test("has no deployment store (APPS_DIR is the truth) and is always connected", async () => {
    const store = fileStore(tempDir());
    expect(store.kind).toBe("files");
    expect(store.deployments).toBeUndefined();
    expect(store.connected()).toBe(true);
    await store.listen();
    await store.close();
  });

  test("policies: a missing file holds none; a write makes the folder and a 0600 file, and notifies", async () => {
    const dir = join(tempDir(), "data");
    const policies = filePolicyDocStore(join(dir, POLICY_FILE));
    expect(await policies.read()).toEqual([]);
    let notified = 0;
    policies.subscribe(() => notified++);
    await policies.write([{ id: "p" }]);
    expect(await policies.read()).toEqual([{ id: "p" }]);
    expect(statSync(join(dir, POLICY_FILE)).mode & 0o777).toBe(0o600);
    // At once for its own write (the folder's watch may tell of it again).
    expect(notified).toBeGreaterThanOrEqual(1);
  });

  test("policies: a file that is not JSON is STORE_CORRUPT, never read as no policies", async () => {
    const path = join(tempDir(), POLICY_FILE);
    writeFileSync(path, "{");
    await expect(filePolicyDocStore(path).read()).rejects.toMatchObject({ code: "STORE_CORRUPT" });
  });

  test("nodes: this process's heartbeats, listed while recent, forgotten on request", async () => {
    const nodes = memoryNodeStore();
    await nodes.heartbeat({ id: "me", started: new Date().toISOString(), versions: ["a@1.0.0"] });
    expect((await nodes.list(30_000)).map((n) => n.id)).toEqual(["me"]);
    await nodes.forget("me");
    expect(await nodes.list(30_000)).toEqual([]);
  });

  test.each([
    ["in memory", (now: () => number) => memoryLeaseStore(now)],
    ["in a file", (now: () => number) => fileLeaseStore(tempDir(), now)],
  ])("schedule runs %s: one claim per due time, none while a run goes", async (_, make) => {
    let now = 0;
    const leases = make(() => now);
    expect(await leases.claim("job", "a", 1000, 100)).toBe("run");
    expect(await leases.claim("job", "b", 1000, 100)).toBe("taken"); // the same due time
    expect(await leases.claim("job", "b", 2000, 100)).toBe("skip"); // a's run goes on
    expect(await leases.claim("job", "a", 2000, 100)).toBe("taken"); // counted once
    await leases.finish("job", "b"); // not b's run: nothing happens
    expect(await leases.claim("job", "b", 3000, 100)).toBe("skip");
    await leases.finish("job", "a");
    expect(await leases.claim("job", "b", 4000, 100)).toBe("run");
    now = 101; // b's run outlived its bound: the next one runs
    expect(await leases.claim("job", "a", 5000, 100)).toBe("run");
    expect(await leases.claim("job", "b", 4000, 100)).toBe("taken"); // a timer that fired late
  });
});

test("the lease file is shared by the processes of a machine (two stores on one folder), and keeps one record per schedule", async () => {
  const dir = tempDir();
  const day = 24 * 60 * 60 * 1000;
  let now = 0;
  const [one, other] = [fileLeaseStore(dir, () => now), fileLeaseStore(dir, () => now)];
  expect(await one.claim("schedule:a", "node#1", 1000, 100)).toBe("run");
  expect(await other.claim("schedule:a", "node#2", 1000, 100)).toBe("taken");
  expect(await other.claim("schedule:b", "node#2", 1000, 50)).toBe("run");
  expect(await one.claim("schedule:a", "node#1", 2000, 100)).toBe("skip");
  now = day + 2500; // a's record is a day past its last due time: dropped at the next write
  expect(await one.claim("schedule:b", "node#1", day + 2500, 100)).toBe("run");
  expect(Object.keys(JSON.parse(readFileSync(join(dir, LEASE_FILE), "utf8")))).toEqual(["schedule:b"]);
});

test("a lease file of an older release (leases without a due time) is read, not refused", async () => {
  const dir = tempDir();
  writeFileSync(join(dir, LEASE_FILE), JSON.stringify({ "schedule:a": { holder: "node#1", until: 0 } }));
  expect(await fileLeaseStore(dir, () => 10).claim("schedule:a", "node#2", 1000, 100)).toBe("run");
});

test("shared-mode policies without PostgreSQL: another process's change reaches a subscriber as the file changes", async () => {
  const path = join(tempDir(), POLICY_FILE);
  const [one, other] = [filePolicyDocStore(path), filePolicyDocStore(path)];
  const heard = Promise.withResolvers<void>();
  const stop = other.subscribe(() => heard.resolve());
  await one.write([{ id: "p" }]);
  await heard.promise;
  expect(await other.read()).toEqual([{ id: "p" }]);
  stop();
});
