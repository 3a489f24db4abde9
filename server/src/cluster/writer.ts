/**
 * How `/_/deployments` writes: into `APPS_DIR` alone (files), or into the shared store first
 * and then this node's cache (postgres), so that the accepting node serves the version from the
 * moment it answers and every other node installs it from the store.
 */

import { ArchiveBody } from "../apps/deploy/body.ts";
import type { Deployer } from "../apps/deploy/deploy.ts";
import { DeployError } from "../apps/deploy/errors.ts";
import { versionKey } from "../apps/version-key.ts";
import { BuntimeError } from "../errors.ts";
import type { DeploymentStore } from "../store/deployments.ts";
import { StoreError } from "../store/keys.ts";
import type { Logger } from "../util/log.ts";
import type { CacheManifest } from "./manifest.ts";
import type { CacheSync } from "./sync.ts";

export interface DeploymentWriter {
  /** @throws BuntimeError as `Deployer.deploy`, and STORE_UNAVAILABLE */
  deploy(
    name: string,
    version: string,
    body: ReadableStream<Uint8Array> | null,
    contentType: string | null,
    replace: boolean,
  ): Promise<{ created: boolean }>;
  /** @throws BuntimeError VERSION_NOT_FOUND, STORE_UNAVAILABLE */
  remove(name: string, version: string): Promise<void>;
}

/** Files: the deployer is the whole story. */
export function localWriter(deployer: Deployer): DeploymentWriter {
  return {
    deploy: (name, version, body, contentType, replace) => deployer.deploy(name, version, body, contentType, replace),
    remove: (name, version) => deployer.remove(name, version),
  };
}

const KINDS: Record<string, "tar.gz" | "zip"> = { "application/zip": "zip", "application/x-zip-compressed": "zip" };

/**
 * The shared store: the upload is read whole (bounded by the deployer's maxArchiveBytes as it comes),
 * validated in staging, then, under the version's lock, written to the store (archive and
 * metadata in one transaction: the unique key answers 409 to the second of two nodes) and only
 * then moved into this node's cache. A store that cannot be reached answers 503
 * STORE_UNAVAILABLE and nothing changes anywhere.
 */
export function sharedWriter(deps: {
  deployer: Deployer;
  store: DeploymentStore;
  manifest: CacheManifest;
  sync: CacheSync;
  logger: Logger;
}): DeploymentWriter {
  const { deployer, store, manifest, sync, logger } = deps;
  return {
    async deploy(name, version, body, contentType, replace) {
      const bytes = body ? await readBounded(body, deployer.limits.maxArchiveBytes) : new Uint8Array();
      const sha256 = new Bun.CryptoHasher("sha256").update(bytes).digest("hex");
      const type = (contentType ?? "").split(";")[0]?.trim().toLowerCase() ?? "";
      const kind = KINDS[type] ?? "tar.gz";
      let created = false;
      const key = versionKey(name, version);
      const source = body ? new Blob([bytes as Uint8Array<ArrayBuffer>]).stream() : null;
      await deployer.deploy(name, version, source, contentType, replace, {
        commit: async () => {
          try {
            ({ created } = await store.put(name, version, { sha256, kind, bytes }, replace));
          } catch (error) {
            throw toHttp(error);
          }
          // Until the folder is in place the cache does not hold what the store does: killed
          // before, this node's sync sees no entry and installs the store's version.
          await manifest.delete(key);
        },
        // Still under the version's lock: this node's sync, told of the store's change, finds
        // the entry and installs nothing again.
        landed: () => manifest.set(key, sha256),
      });
      return { created };
    },
    remove: (name, version) =>
      sync.exclusive(async () => {
        let removed: boolean;
        try {
          removed = await store.remove(name, version);
        } catch (error) {
          throw toHttp(error);
        }
        const key = versionKey(name, version);
        if (!removed) throw new BuntimeError("VERSION_NOT_FOUND", `${key} is not deployed`);
        try {
          await deployer.remove(name, version);
        } catch (error) {
          // Not in this cache: nothing to remove. Any other failure keeps the manifest's entry,
          // so the sync removes the folder later (a folder the manifest does not list is never
          // removed: it could be one an operator put there). The store's delete stands.
          if (!(error instanceof BuntimeError && error.code === "VERSION_NOT_FOUND")) {
            logger.warn("a deleted version's folder could not be removed yet; the sync retries", {
              app: key,
              error: String(error),
            });
            return;
          }
        }
        await manifest.delete(key);
      }),
  };
}

/**
 * The whole upload, refused as it passes `maxBytes` (the deployer's archive limit, which its own
 * extraction applies too): nothing bounds a `/_/deployments` body before this.
 * @throws BuntimeError DEPLOYMENT_INVALID (too large, or cut off), or the HTTP layer's own
 */
async function readBounded(body: ReadableStream<Uint8Array>, maxBytes: number): Promise<Uint8Array> {
  const upload = new ArchiveBody(body, maxBytes);
  const chunks: Uint8Array[] = [];
  try {
    for await (const chunk of upload.chunks()) chunks.push(chunk);
  } catch (error) {
    if (error instanceof DeployError) throw new BuntimeError("DEPLOYMENT_INVALID", error.message);
    if (error instanceof BuntimeError) throw error; // BODY_TOO_LARGE
    throw new BuntimeError("DEPLOYMENT_INVALID", "the upload ended before the archive was complete");
  } finally {
    await upload.cancel();
  }
  return Bun.concatArrayBuffers(chunks, Number.POSITIVE_INFINITY, true);
}

function toHttp(error: unknown): unknown {
  if (!(error instanceof StoreError)) return error;
  if (error.code === "DEPLOYMENT_EXISTS") return new BuntimeError("DEPLOYMENT_EXISTS", error.message);
  if (error.code === "VERSION_IN_USE") return new BuntimeError("VERSION_IN_USE", error.message);
  return new BuntimeError("STORE_UNAVAILABLE", `the shared store cannot be written: ${error.message}`);
}
