/**
 * This node's place in the cluster (docs/cluster.md): its id, the store, how deployments are
 * written, the cache sync (with a shared store), the heartbeat, and `GET /_/cluster`.
 */
import { Hono } from "hono";
import type { AppCatalog } from "../apps/catalog.ts";
import type { Deployer } from "../apps/deploy/deploy.ts";
import { versionKey } from "../apps/version-key.ts";
import { BuntimeError, errorResponse } from "../errors.ts";
import { type Clock, realClock } from "../pool/clock.ts";
import type { WorkerPool } from "../pool/pool.ts";
import { StoreError } from "../store/keys.ts";
import type { Store } from "../store/store.ts";
import type { Logger } from "../util/log.ts";
import { CacheManifest } from "./manifest.ts";
import { CacheSync } from "./sync.ts";
import { type DeploymentWriter, localWriter, sharedWriter } from "./writer.ts";

/** How often a node compares its cache with the store and heartbeats. */
export const SYNC_INTERVAL_MS = 2_000;
/** A node is listed by `/_/cluster` while its last heartbeat is at most this old. */
export const NODE_SEEN_MS = 30_000;

export interface ClusterNode {
  readonly id: string;
  readonly store: Store;
  readonly writer: DeploymentWriter;
  /** Whether the node holds what the store held at least once (always, without a shared store). */
  synced(): boolean;
  /**
   * Brings this node's cache up to the store now (a shared store), so a version another node
   * just accepted is known here; reads the disk again without one.
   */
  catchUp(): Promise<void>;
  /** `GET /_/cluster`, to mount at that path. */
  readonly routes: Hono;
  /** Stops syncing and heartbeats, forgets this node in the store, closes the store. */
  close(): Promise<void>;
}

export function startClusterNode(deps: {
  id: string;
  store: Store;
  appsDir: string;
  deployer: Deployer;
  catalog: AppCatalog;
  pool: WorkerPool;
  logger: Logger;
  clock?: Clock;
}): ClusterNode {
  const { id, store, catalog, pool, logger } = deps;
  const started = new Date().toISOString();
  const held = () => catalog.names().flatMap((name) => (catalog.versions(name) ?? []).map((v) => versionKey(name, v)));
  const heartbeat = () => store.nodes.heartbeat({ id, started, versions: held() });

  let writer: DeploymentWriter = localWriter(deps.deployer);
  let sync: CacheSync | undefined;
  if (store.deployments) {
    const manifest = new CacheManifest(deps.appsDir);
    sync = new CacheSync({
      appsDir: deps.appsDir,
      store: { ...store, deployments: store.deployments },
      deployer: deps.deployer,
      manifest,
      local: () => {
        catalog.refresh();
        return catalog.names().flatMap((name) => (catalog.versions(name) ?? []).map((v) => [name, v] as const));
      },
      changed: ({ key, change }) => {
        catalog.refresh();
        if (change !== "added") pool.retire(key as never, change === "removed" ? "removed" : "changed");
      },
      tick: heartbeat,
      logger,
      clock: deps.clock ?? realClock,
      intervalMs: SYNC_INTERVAL_MS,
    });
    writer = sharedWriter({ deployer: deps.deployer, store: store.deployments, manifest, sync, logger });
    sync.start();
  } else {
    void heartbeat();
  }

  const routes = new Hono();
  routes.get("/", async (c) => {
    if (!store.deployments) await heartbeat(); // the file store's list is this node, kept current here
    try {
      const nodes = await store.nodes.list(NODE_SEEN_MS);
      return c.json({ node: id, store: store.kind, connected: store.connected(), nodes });
    } catch (error) {
      if (!(error instanceof StoreError)) throw error;
      return errorResponse(new BuntimeError("STORE_UNAVAILABLE", error.message));
    }
  });

  return {
    id,
    store,
    writer,
    synced: () => sync?.synced ?? true,
    async catchUp() {
      if (sync) await sync.kick();
      catalog.refresh();
    },
    routes,
    async close() {
      sync?.stop();
      await store.nodes.forget(id).catch(() => {});
      await store.close();
    },
  };
}
