/**
 * The scheduler as the server runs it: apps from the catalogue, the version `/<name>/` serves
 * (its `latest` tag when set, else the highest), runs through the pool, leases from a shared
 * store only (alone, a node needs none).
 */
import type { AppCatalog } from "../apps/catalog.ts";
import type { WorkerPool } from "../pool/pool.ts";
import type { Releases } from "../releases/releases.ts";
import type { LeaseStore } from "../store/leases.ts";
import type { Logger } from "../util/log.ts";
import { poolRunner } from "./pool-runner.ts";
import { Scheduler } from "./scheduler.ts";

/** How often the catalogue's listing is compared for apps and versions added (real time: it is about the disk). */
const DISCOVERY_MS = 2000;

export interface StartedScheduler {
  scheduler: Scheduler;
  /** Stops its timers and its watching. */
  close(): void;
}

export function startScheduler(deps: {
  catalog: AppCatalog;
  releases: Releases | undefined;
  pool: WorkerPool;
  logger: Logger;
  /** A shared store's leases (a cluster), or undefined for files (this node alone). */
  leases: { store: LeaseStore; holder: string } | undefined;
}): StartedScheduler {
  const { catalog, releases, pool } = deps;
  const served = (name: string): string | undefined => {
    const latest = releases?.route(name)?.latest;
    return latest !== undefined && catalog.has(name, latest) ? latest : undefined;
  };
  const scheduler = new Scheduler({
    clock: pool.clock,
    logger: deps.logger,
    names: () => catalog.names(),
    resolve: (name) => catalog.resolveApp(name, served(name)),
    run: poolRunner(pool),
    ...(deps.leases && { leases: deps.leases }),
  });
  // A version changed or removed on disk (or deployed by the emulator): read the schedules again.
  const unwatch = catalog.onChange(() => void scheduler.reconcile());
  // Added apps and versions, and a moved `latest`, are not changes the catalogue reports.
  const listing = () => JSON.stringify(catalog.names().map((name) => [name, catalog.versions(name), served(name)]));
  let seen = listing();
  const poll = setInterval(() => {
    const now = listing();
    if (now === seen) return;
    seen = now;
    void scheduler.reconcile();
  }, DISCOVERY_MS);
  poll.unref?.();
  // Read in the background: the server answers requests while each app's config loads (a
  // `worker.config.ts` in a worker thread); `scheduler.idle()` says when it is done.
  scheduler.reconcile().catch((error) => deps.logger.error("reading the schedules failed", { error: String(error) }));
  return {
    scheduler,
    close() {
      clearInterval(poll);
      unwatch();
      scheduler.close();
    },
  };
}
