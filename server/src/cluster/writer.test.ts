/**
 * The shared store's deployment writer: an upload is read whole before it is stored, so it is
 * bounded by the deployer's archive limit while it is read (not after, in memory).
 */
import { afterEach, beforeEach, expect, test } from "bun:test";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Deployer } from "../apps/deploy/deploy.ts";
import { BuntimeError } from "../errors.ts";
import type { DeploymentStore } from "../store/deployments.ts";
import { silentLogger } from "../util/log.ts";
import { CacheManifest } from "./manifest.ts";
import type { CacheSync } from "./sync.ts";
import { sharedWriter } from "./writer.ts";

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), "buntime-writer-"));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

test("an upload that never ends is refused once it passes maxArchiveBytes, and nothing is stored", async () => {
  let puts = 0;
  const store = {
    async put() {
      puts++;
      return { created: true };
    },
  } as unknown as DeploymentStore;
  const writer = sharedWriter({
    deployer: new Deployer(dir, { maxArchiveBytes: 16 * 1024 }),
    store,
    manifest: new CacheManifest(dir),
    sync: {} as CacheSync,
    logger: silentLogger,
  });
  let sent = 0;
  const endless = new ReadableStream<Uint8Array>({
    async pull(controller) {
      await Bun.sleep(1);
      sent += 1024;
      controller.enqueue(new Uint8Array(1024));
    },
  });
  const error = await writer.deploy("hello", "1.0.0", endless, "application/gzip", false).catch((e: unknown) => e);
  expect(error).toMatchObject({ code: "DEPLOYMENT_INVALID" });
  expect((error as Error).message).toContain(`${16 * 1024} bytes`);
  expect(sent).toBeLessThan(64 * 1024);
  expect(puts).toBe(0);
});

test("the cache manifest records a version only once its folder is in place: a deploy that dies after the store's commit leaves no entry", async () => {
  const manifest = new CacheManifest(dir);
  await manifest.set("hello@1.0.0", "old-sha");
  const store = { put: async () => ({ created: false }) } as unknown as DeploymentStore;
  // Dies between the store's commit and the rename into place (a kill, a full disk).
  const dying = {
    limits: new Deployer(dir).limits,
    async deploy(
      _n: string,
      _v: string,
      _b: unknown,
      _t: unknown,
      _r: boolean,
      hooks: { commit?: () => Promise<unknown> },
    ) {
      await hooks.commit?.();
      throw new Error("killed before the rename");
    },
  } as unknown as Deployer;
  const writer = sharedWriter({ deployer: dying, store, manifest, sync: {} as CacheSync, logger: silentLogger });
  const body = new Blob([new Uint8Array(8)]).stream();
  await expect(writer.deploy("hello", "1.0.0", body, "application/gzip", true)).rejects.toThrow(
    "killed before the rename",
  );
  // No entry: this node's sync installs what the store holds instead of trusting the old folder.
  expect(new CacheManifest(dir).get("hello@1.0.0")).toBeUndefined();
});

test("a delete whose folder cannot be removed keeps the manifest's entry, so the sync removes it later", async () => {
  const SHA = "a".repeat(64);
  const manifest = new CacheManifest(dir);
  await manifest.set("hello@2.0.0", SHA);
  const store = { remove: async () => true } as unknown as DeploymentStore;
  let failing = true;
  const deployer = {
    limits: new Deployer(dir).limits,
    async remove() {
      if (failing) throw new Error("EIO: i/o error");
      throw new BuntimeError("VERSION_NOT_FOUND", "not here");
    },
  } as unknown as Deployer;
  const exclusive = <T>(work: () => Promise<T>) => work();
  const writer = sharedWriter({
    deployer,
    store,
    manifest,
    sync: { exclusive } as unknown as CacheSync,
    logger: silentLogger,
  });
  await writer.remove("hello", "2.0.0"); // the store's delete stands: answered as done
  expect(new CacheManifest(dir).get("hello@2.0.0")).toBe(SHA);
  failing = false;
  await manifest.set("hello@2.0.1", SHA);
  await writer.remove("hello", "2.0.1"); // not in this cache: nothing to remove, the entry goes
  expect(new CacheManifest(dir).get("hello@2.0.1")).toBeUndefined();
});
