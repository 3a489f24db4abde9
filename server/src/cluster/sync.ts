/**
 * Keeps this node's `APPS_DIR` (its cache) equal to the shared store's deployments: on start,
 * on every change notification, when the connection comes back, and every `intervalMs` (a
 * cheap revision compare; the list only when it moved, and archives only for versions whose
 * sha256 differs from the cache's). Installs go through the deployer (stage, validate, rename)
 * and removals too, so a request never sees half a version. Each tick also heartbeats.
 */
import { existsSync } from "node:fs";
import { join } from "node:path";
import type { Deployer } from "../apps/deploy/deploy.ts";
import { versionKey } from "../apps/version-key.ts";
import { BuntimeError } from "../errors.ts";
import type { Clock, TimerHandle } from "../pool/clock.ts";
import type { DeploymentRecord, DeploymentStore } from "../store/deployments.ts";
import type { Store } from "../store/store.ts";
import { Coalesced } from "../util/coalesced.ts";
import type { Logger } from "../util/log.ts";
import type { CacheManifest } from "./manifest.ts";

const MIME = { "tar.gz": "application/gzip", zip: "application/zip" } as const;

export interface CacheSyncOptions {
  appsDir: string;
  store: Store & { deployments: DeploymentStore };
  deployer: Deployer;
  manifest: CacheManifest;
  /** The versions on disk now, as `[name, version]`. */
  local: () => readonly (readonly [string, string])[];
  /** Called after versions were installed, replaced or removed (refresh the catalogue, retire workers). */
  changed: (event: { key: string; change: "added" | "replaced" | "removed" }) => void;
  /** Called after each tick with the store reachable: heartbeat. */
  tick?: () => Promise<void>;
  logger: Logger;
  clock: Clock;
  intervalMs: number;
}

export class CacheSync {
  readonly #o: CacheSyncOptions;
  #synced = false;
  #revision: string | undefined;
  #lock: Promise<unknown> = Promise.resolve();
  readonly #syncs = new Coalesced(
    () =>
      this.exclusive(() => this.#syncOnce()).catch((error: unknown) => {
        this.#o.logger.warn("store sync failed", { error: (error as Error).message });
      }),
    () => !this.#stopped,
  );
  #timer: TimerHandle | undefined;
  #stopped = false;
  /** Versions on disk that the store never had, already warned about. */
  readonly #foreign = new Set<string>();
  readonly #unsubscribe: (() => void)[] = [];

  constructor(options: CacheSyncOptions) {
    this.#o = options;
  }

  /** Whether a sync has completed since start (the node holds what the store held then). */
  get synced(): boolean {
    return this.#synced;
  }

  /** Starts listening, the first sync and the periodic one. */
  start(): void {
    this.#unsubscribe.push(this.#o.store.deployments.subscribe(() => this.kick()));
    this.#unsubscribe.push(
      this.#o.store.onConnection((connected) => {
        if (!connected) return;
        this.#revision = undefined; // back from an outage: compare the whole list
        this.kick();
      }),
    );
    this.#loop();
  }

  stop(): void {
    this.#stopped = true;
    this.#o.clock.clearTimeout(this.#timer);
    for (const unsubscribe of this.#unsubscribe) unsubscribe();
  }

  /** Syncs as soon as possible; calls during a sync make one more run after it. */
  kick(): Promise<void> {
    return this.#syncs.call();
  }

  /** Runs `work` with no sync in progress (a delete that must not race an install). */
  exclusive<T>(work: () => Promise<T>): Promise<T> {
    const run = this.#lock.catch(() => {}).then(work);
    this.#lock = run.catch(() => {});
    return run;
  }

  #loop(): void {
    if (this.#stopped) return;
    void (async () => {
      // Subscribes until it works, and catches any change whose notification was missed
      // (policies, keys, releases too); a failure is reported by the sync below.
      await this.#o.store.listen().catch(() => {});
      await this.kick();
      await this.#o.tick?.().catch((error: unknown) => {
        this.#o.logger.debug("heartbeat failed", { error: (error as Error).message });
      });
    })().finally(() => {
      if (!this.#stopped) this.#timer = this.#o.clock.setTimeout(() => this.#loop(), this.#o.intervalMs);
    });
  }

  async #syncOnce(): Promise<void> {
    const { store, manifest, deployer, logger } = this.#o;
    const revision = await store.deployments.revision();
    if (revision === this.#revision) return;
    const { revision: listed, records } = await store.deployments.list();
    manifest.reload();
    const wanted = new Map(records.map((r) => [versionKey(r.name, r.version) as string, r]));
    const onDisk = new Set(this.#o.local().map(([name, version]) => versionKey(name, version) as string));
    let complete = true;
    for (const [key, record] of wanted) {
      if (onDisk.has(key) && manifest.get(key) === record.sha256) continue;
      try {
        await this.#install(record, onDisk.has(key));
      } catch (error) {
        complete = false; // tried again on the next tick
        logger.error("cannot install from the store", { app: key, error: (error as Error).message });
      }
    }
    for (const key of onDisk) {
      if (wanted.has(key)) continue;
      if (manifest.get(key) === undefined) {
        // Never installed from the store (files put there by hand, or an APPS_DIR that was a
        // node's own before it joined a store): not ours to delete. Said once per version.
        if (!this.#foreign.has(key) && this.#foreign.size < 10_000) {
          this.#foreign.add(key);
          logger.warn("a version in APPS_DIR is not in the shared store: only this node serves it", { app: key });
        }
        continue;
      }
      const at = key.lastIndexOf("@");
      try {
        await deployer.remove(key.slice(0, at), key.slice(at + 1));
      } catch (error) {
        // Already gone is fine. Anything else keeps the manifest's entry and the revision unseen,
        // so the next tick tries again: forgetting it would make the version look put there by
        // hand, and it would be served for ever after the store deleted it.
        if (!(error instanceof BuntimeError && error.code === "VERSION_NOT_FOUND")) {
          complete = false;
          logger.error("cannot remove from the cache", { app: key, error: (error as Error).message });
          continue;
        }
      }
      await manifest.delete(key);
      this.#o.changed({ key, change: "removed" });
      logger.info("removed from cache", { app: key });
    }
    if (complete) this.#revision = listed;
    this.#synced = true;
  }

  async #install(record: DeploymentRecord, replacing: boolean): Promise<void> {
    const key = versionKey(record.name, record.version);
    const archive = await this.#o.store.deployments.archive(record.sha256);
    if (!archive) return; // removed meanwhile: the next list no longer has it
    const { skipped } = await this.#o.deployer.deploy(
      record.name,
      record.version,
      new Blob([archive.bytes as Uint8Array<ArrayBuffer>]).stream(),
      MIME[archive.kind],
      true,
      // Checked again under the version's lock: the node that accepted the deployment (or an
      // earlier run) may have put this very archive in place meanwhile.
      {
        commit: async () =>
          !(
            existsSync(join(this.#o.appsDir, record.name, record.version)) &&
            this.#o.manifest.get(key) === record.sha256
          ),
      },
    );
    await this.#o.manifest.set(key, record.sha256);
    if (!skipped) {
      this.#o.changed({ key, change: replacing ? "replaced" : "added" });
      this.#o.logger.info("installed from the store", { app: key, sha256: record.sha256 });
    }
  }
}
