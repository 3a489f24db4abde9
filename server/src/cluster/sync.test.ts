/**
 * CacheSync against a store and a deployer made here: what it does when removing a version the
 * store deleted fails (the cache must not forget the version, or it serves it for ever).
 */
import { afterEach, beforeEach, expect, test } from "bun:test";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Deployer } from "../apps/deploy/deploy.ts";
import { BuntimeError } from "../errors.ts";
import { realClock } from "../pool/clock.ts";
import type { DeploymentStore } from "../store/deployments.ts";
import type { Store } from "../store/store.ts";
import { silentLogger } from "../util/log.ts";
import { CacheManifest } from "./manifest.ts";
import { CacheSync } from "./sync.ts";

const SHA = "a".repeat(64);
let dir: string;

beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), "buntime-sync-"));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

/** A store whose deployments are empty at a fixed revision: everything cached must go. */
function emptyStore(): Store & { deployments: DeploymentStore } {
  const deployments: DeploymentStore = {
    revision: async () => "7",
    list: async () => ({ revision: "7", records: [] }),
    archive: async () => undefined,
    put: async () => ({ created: true }),
    remove: async () => true,
    subscribe: () => () => {},
  };
  return {
    deployments,
    onConnection: () => () => {},
    listen: async () => {},
  } as unknown as Store & { deployments: DeploymentStore };
}

test("a removal that fails is tried again on the next sync, and the version stays known until it works", async () => {
  const manifest = new CacheManifest(dir);
  await manifest.set("hello@1.0.0", SHA);
  const onDisk = new Set(["hello@1.0.0"]);
  let attempts = 0;
  const deployer = {
    async remove(name: string, version: string) {
      attempts++;
      if (attempts === 1) throw Object.assign(new Error("EBUSY: resource busy"), { code: "EBUSY" });
      onDisk.delete(`${name}@${version}`);
    },
  } as unknown as Deployer;
  const { sync, changes } = syncOver(deployer, manifest, () =>
    [...onDisk].map((key) => key.split("@") as [string, string]),
  );

  await sync.kick();
  expect(attempts).toBe(1);
  expect(manifest.get("hello@1.0.0")).toBe(SHA); // still ours: not mistaken for a copy left by hand
  expect(changes).toEqual([]);

  await sync.kick(); // same revision: tried again all the same
  expect(attempts).toBe(2);
  expect(onDisk.size).toBe(0);
  expect(manifest.get("hello@1.0.0")).toBeUndefined();
  expect(changes).toEqual(["removed hello@1.0.0"]);
  sync.stop();
});

test("a version already gone from disk is forgotten without an error", async () => {
  const manifest = new CacheManifest(dir);
  await manifest.set("hello@1.0.0", SHA);
  const deployer = {
    async remove(name: string, version: string) {
      throw new BuntimeError("VERSION_NOT_FOUND", `${name}@${version} is not deployed`);
    },
  } as unknown as Deployer;
  const { sync, changes } = syncOver(deployer, manifest, () => [["hello", "1.0.0"]]);
  await sync.kick();
  expect(manifest.get("hello@1.0.0")).toBeUndefined();
  expect(changes).toEqual(["removed hello@1.0.0"]);
  sync.stop();
});

/** A sync of an empty store over `dir` (its own reads a minute apart: tests kick it), and the changes it reports. */
function syncOver(deployer: Deployer, manifest: CacheManifest, local: () => [string, string][]) {
  const changes: string[] = [];
  const sync = new CacheSync({
    appsDir: dir,
    store: emptyStore(),
    deployer,
    manifest,
    local,
    changed: ({ key, change }) => changes.push(`${change} ${key}`),
    logger: silentLogger,
    clock: realClock,
    intervalMs: 60_000,
  });
  return { sync, changes };
}
