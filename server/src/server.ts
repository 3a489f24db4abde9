import { Hono } from "hono";
import { adminAccess } from "./admin/access.ts";
import { AppCatalog } from "./apps/catalog.ts";
import { Deployer } from "./apps/deploy/deploy.ts";
import { splitKey, type VersionKey } from "./apps/version-key.ts";
import { type ClusterNode, startClusterNode } from "./cluster/cluster.ts";
import { nodeId } from "./cluster/node-id.ts";
import { type BuntimeConfig, loadBuntimeConfig } from "./config/buntime-config.ts";
import type { ServerEnv } from "./constants.ts";
import { dashboardRoutes } from "./dashboard/routes.ts";
import { BuntimeError, errorResponse } from "./errors.ts";
import { internalRoutes, statsJson } from "./http/internal.ts";
import { createPipeline } from "./http/pipeline.ts";
import { websocketHandlers } from "./http/websocket.ts";
import { createIsolation, secretPaths } from "./isolation/isolation.ts";
import { LogHub } from "./logs/hub.ts";
import { logRoutes } from "./logs/routes.ts";
import { PluginHost } from "./plugins/host.ts";
import { loadPlugins } from "./plugins/load.ts";
import type { Clock } from "./pool/clock.ts";
import { newPoolCounters } from "./pool/counters.ts";
import { type CloseReport, WorkerPool } from "./pool/pool.ts";
import type { PoolTiming } from "./pool/timing.ts";
import { groupStats } from "./processes/group-stats.ts";
import { currentProcessIdentity } from "./processes/identity.ts";
import { Releases } from "./releases/releases.ts";
import { releaseRoutes } from "./releases/routes.ts";
import type { Scheduler } from "./schedules/scheduler.ts";
import { startScheduler } from "./schedules/start.ts";
import { StatsCollector } from "./stats/collector.ts";
import { fileLeaseStore } from "./store/file-store.ts";
import type { KeyStore } from "./store/keys.ts";
import { openStore } from "./store/open.ts";
import type { ReleaseStore } from "./store/releases.ts";
import { useSharedStore } from "./store/shared.ts";
import type { Store } from "./store/store.ts";
import { INTERNAL_PREFIX } from "./util/internal-path.ts";
import { createLogger, type Logger } from "./util/log.ts";
import { DASHBOARD_PATH } from "./util/public-routes.ts";

export interface ServerOptions {
  env: ServerEnv;
  /** The extension config; default: the file named by `env.BUNTIME_CONFIG`, if any. */
  config?: BuntimeConfig;
  /** Where `${VAR}` in plugin options comes from. Default `process.env`. */
  configEnv?: Record<string, string | undefined>;
  logger?: Logger;
  clock?: Clock;
  timing?: Partial<PoolTiming>;
  /** Modules every worker loads before its app (the emulator's outbound mocks). */
  preload?: string[];
  /** Config fields that win over a version's file (the emulator's per-version overrides). */
  configOverride?: (name: string, version: string) => Record<string, unknown> | undefined;
  /** Where API keys live; default the store's (`store`). */
  keyStore?: KeyStore;
  /**
   * A version whose thread was abandoned runs its next workers as processes (default true). The
   * emulator turns it off: an app author's tests see their apps as configured, and a process
   * worker there would need the author's folder readable by the app user (`changesAppFiles`).
   */
  blockedThreadsToProcesses?: boolean;
  /**
   * Whether, as root, the server may give app folders to their app's group and close secrets to
   * others (default true; isolation.ts). The emulator's app folders are the author's: false.
   */
  changesAppFiles?: boolean;
  /** The store (docs/cluster.md); default the one `BUNTIME_STORE` names (files without it). */
  store?: Store;
  /** Where tags, traffic and history live; default the store's (`store`). */
  releaseStore?: ReleaseStore;
}

/** A running Buntime server. */
export interface RunningServer {
  readonly url: URL;
  readonly port: number;
  readonly catalog: AppCatalog;
  readonly pool: WorkerPool;
  readonly plugins: PluginHost;
  readonly deployer: Deployer;
  readonly keys: KeyStore;
  /** This node's id, its store and whether it has synced (docs/cluster.md). */
  readonly cluster: ClusterNode;
  /** Tags and traffic splits as this node routes them (docs/releases.md). */
  readonly releases: Releases;
  /** Apps' log lines (docs/logs.md). */
  readonly logs: LogHub;
  /** The apps' schedules (docs: scheduled handlers): `runNow` runs one by hand. */
  readonly schedules: Scheduler;
  /** What `/_/stats` answers: metrics, live workers and apps. */
  stats(): ReturnType<typeof statsJson>;
  /** Serves one request in-process, through the same pipeline as the socket. */
  fetch(request: Request): Promise<Response>;
  /**
   * Stops accepting, lets in-flight requests finish for up to `graceMs` (default
   * SHUTDOWN_TIMEOUT), terminates every worker, calls plugins' `onShutdown`. Resolves with
   * what could not be ended cleanly: threads blocked in a system call are abandoned (the
   * process's exit ends them), so it resolves within `graceMs` plus the pool's `closeWaitMs`
   * and the plugins' shutdown. Idempotent.
   */
  stop(graceMs?: number): Promise<CloseReport>;
}

/** One JSON line per worker lifecycle event (crashes and start failures are logged where they happen). */
function logLifecycle(pool: WorkerPool, logger: Logger): void {
  pool.events.on("spawn", ({ key, workerId }) => logger.info("worker spawn", { app: key, worker: workerId }));
  pool.events.on("ready", ({ key, workerId, startMs }) =>
    logger.info("worker ready", { app: key, worker: workerId, startMs: Math.round(startMs * 100) / 100 }),
  );
  pool.events.on("recycle", ({ key, workerId, reason }) =>
    logger.info("worker recycle", { app: key, worker: workerId, reason }),
  );
  pool.events.on("terminate", ({ key, workerId, reason }) =>
    logger.info("worker terminate", { app: key, worker: workerId, reason }),
  );
}

/**
 * Starts Buntime: the app catalogue, the worker pool, the plugins and the HTTP server.
 * @throws ConfigError / PluginLoadError when the extension config or a required plugin fails
 *
 * @example
 * const server = await startServer({ env: loadEnv({ PORT: "0" }) });
 * await fetch(new URL("/hello/", server.url));
 * await server.stop();
 */
export async function startServer(options: ServerOptions): Promise<RunningServer> {
  const { env } = options;
  const node = nodeId(env.BUNTIME_NODE_ID);
  // Every line carries the node's id (docs/cluster.md).
  const logger = (options.logger ?? createLogger(env.LOG_LEVEL)).child({ node });
  const store = options.store ?? (await openStore(env));
  useSharedStore(store); // authz's `store: "shared"` reads it while the plugins load
  const config =
    options.config ??
    (env.BUNTIME_CONFIG ? await loadBuntimeConfig(env.BUNTIME_CONFIG) : { baseDir: process.cwd(), plugins: [] });
  const plugins = new PluginHost(await loadPlugins(config, { env: options.configEnv ?? process.env, logger }), logger);

  const isolation = createIsolation({
    floor: env.BUNTIME_ISOLATION,
    appUser: env.BUNTIME_APP_USER,
    appsDir: env.APPS_DIR,
    secrets: secretPaths(env.BUNTIME_DATA_DIR, env.BUNTIME_CONFIG, config),
    logger,
    ...(options.changesAppFiles === false && { changesAppFiles: false }),
  });
  const deployer = new Deployer(env.APPS_DIR);
  await deployer.sweep();
  const catalog = new AppCatalog(env.APPS_DIR, { logger, configOverride: options.configOverride });
  const counters = newPoolCounters();
  // Bun's server, once listening: an app's `server.publish` goes through its pub/sub.
  let publisher: { publish(topic: string, data: string | Uint8Array): number } | undefined;
  const pool = new WorkerPool({
    size: env.POOL_SIZE,
    logger,
    clock: options.clock,
    // A draining worker's WebSockets get SHUTDOWN_TIMEOUT, then 1012 (docs: WebSockets).
    timing: { socketGraceMs: env.SHUTDOWN_TIMEOUT * 1000, ...options.timing },
    counters,
    publish: (topic, data) => publisher?.publish(topic, data),
    preload: options.preload,
    openTransport: (app) => isolation.transportFor(app),
    reload: (app, forward) => catalog.resolveApp(app.name, forward.range),
  });
  const stats = new StatsCollector(counters, pool.events);
  // Started once the releases are known (the version `/<name>/` serves); the metrics read it.
  let scheduler: Scheduler | undefined;
  await plugins.init(
    pool,
    {
      appsDir: env.APPS_DIR,
      poolSize: env.POOL_SIZE,
      maxBodySize: env.MAX_BODY_SIZE,
      shutdownTimeoutSeconds: env.SHUTDOWN_TIMEOUT,
      nodeId: node,
    },
    { schedules: () => scheduler?.list() ?? [] },
  );
  logLifecycle(pool, logger);
  catalog.watch();
  const unwatchPool = catalog.onChange((key) => pool.retire(key, "changed"));
  // A version deployed or copied in later is closed to other apps at once, not at its first worker.
  const onDisk = (key: VersionKey) => catalog.has(...splitKey(key));
  const unwatchIsolation = catalog.onChange((key) => {
    isolation.appChanged(splitKey(key)[0]);
    isolation.versionChanged(key, onDisk(key));
  });
  const appExists = (app: string) => catalog.versions(app) !== undefined;
  const logs = new LogHub(pool.events, appExists);
  // What is counted or kept per version or app leaves with it (the stats, the plugins' metric
  // series, the app's log lines: an app deployed later under its name never reads them).
  const unwatchFigures = catalog.onChange((key) => {
    if (onDisk(key)) return;
    const [app, version] = splitKey(key);
    const removed = { app, version, lastOfApp: !appExists(app) };
    stats.versionRemoved(removed);
    plugins.versionRemoved(removed);
    if (removed.lastOfApp) logs.forget(app);
  });
  // A version that blocks a thread for good runs as processes from then on (docs/configuration.md#isolation);
  // not once it is gone from disk (its thread may be abandoned after its removal), nor at shutdown.
  const onAbandon = ({ key, thread }: { key: VersionKey; thread: boolean }) => {
    if (thread && onDisk(key)) isolation.threadAbandoned(key);
  };
  if (options.blockedThreadsToProcesses !== false) pool.events.on("abandon", onAbandon);
  const unwatch = () => {
    unwatchPool();
    unwatchIsolation();
    unwatchFigures();
    pool.events.off("abandon", onAbandon);
  };
  let draining = false;
  let serving = false;
  const admin = adminAccess(env, plugins, logger, options.keyStore ?? store.keys);
  const cluster = startClusterNode({
    id: node,
    store,
    appsDir: env.APPS_DIR,
    deployer,
    catalog,
    pool,
    logger,
    clock: options.clock,
  });
  const releases = new Releases(options.releaseStore ?? store.releases, {
    clock: pool.clock,
    logger,
  });
  await releases.start();
  // BUNTIME_PROCESSES > 1: /_/stats lists every process on this machine (processes/group-stats.ts).
  const identity = currentProcessIdentity();
  // Each due run is taken by one process of all that share the state: a cluster's (the shared
  // store's leases) or a machine's (a lease file in BUNTIME_DATA_DIR). One process alone needs none.
  // The holder is the process, not the node: a node's processes share its id.
  const leaseStore =
    store.kind !== "files" ? store.leases : identity ? fileLeaseStore(env.BUNTIME_DATA_DIR) : undefined;
  const schedules = startScheduler({
    catalog,
    releases,
    pool,
    logger,
    leases: leaseStore && { store: leaseStore, holder: `${node}#${process.pid}` },
  });
  scheduler = schedules.scheduler;
  const processStats =
    identity &&
    groupStats(identity, () =>
      statsJson({ pool, stats, catalog, node, isolation: isolation.report, logs, schedules: schedules.scheduler }),
    );

  const internal = new Hono();
  // `/_/` answers hold what no cache should keep (a new key, logs, stats): never stored, never
  // sniffed, unless a route says otherwise (the dashboard's hashed assets are cached for good).
  internal.use("*", async (c, next) => {
    await next();
    try {
      if (!c.res.headers.has("cache-control")) c.res.headers.set("cache-control", "no-store");
      if (!c.res.headers.has("x-content-type-options")) c.res.headers.set("x-content-type-options", "nosniff");
    } catch {
      // a plugin's response with immutable headers: left as it is
    }
  });
  const isReady = () => serving && !draining && cluster.synced();
  const own = internalRoutes({
    isDraining: () => draining,
    isReady,
    pool,
    stats,
    catalog,
    deployer: cluster.writer,
    node,
    isolation: isolation.report,
    holderOf: (name, version) => releases.holderOf(name, version),
    logs,
    schedules: schedules.scheduler,
    processes: processStats ? () => processStats.processes() : undefined,
  });
  internal.route(INTERNAL_PREFIX, own);
  internal.route(`${INTERNAL_PREFIX}/keys`, admin.routes);
  internal.route(DASHBOARD_PATH, dashboardRoutes({ catalog, pool, guard: admin.guard, stats, logger }));
  internal.route(`${INTERNAL_PREFIX}/cluster`, cluster.routes);
  internal.route(`${INTERNAL_PREFIX}/apps`, releaseRoutes({ catalog, releases, catchUp: () => cluster.catchUp() }));
  internal.route(`${INTERNAL_PREFIX}/logs`, logRoutes({ hub: logs, exists: appExists }));
  plugins.mountRoutes(internal);
  internal.all(`${INTERNAL_PREFIX}/*`, (c) =>
    errorResponse(new BuntimeError("NOT_FOUND", `no internal route ${c.req.path}`)),
  );
  internal.onError((error) => {
    logger.error("internal route failed", { error: String(error) });
    return errorResponse(new BuntimeError("INTERNAL_ERROR", "internal error"));
  });
  const handle = createPipeline({
    catalog,
    pool,
    plugins,
    stats,
    logger,
    internal,
    maxBodySize: env.MAX_BODY_SIZE,
    guard: admin.guard,
    idleTimeoutSeconds: env.HTTP_IDLE_TIMEOUT,
    releases,
  });

  let server: ReturnType<typeof Bun.serve>;
  try {
    server = Bun.serve({
      port: env.PORT,
      hostname: env.HOST,
      // BUNTIME_PROCESSES > 1: the group's processes listen on the same port and the kernel
      // spreads connections among them (docs/cluster.md#processes). Alone, a port in use is an error.
      reusePort: env.BUNTIME_PROCESSES > 1,
      // Idle keep-alive connections are closed; the pipeline lifts it while an answer is
      // pending or an app's body streams (apps' own `timeout` bounds those): http/idle-timeout.ts.
      idleTimeout: env.HTTP_IDLE_TIMEOUT,
      // Our own limit (http/body-limit.ts) answers 413 as JSON; Bun's would answer first, bare.
      maxRequestBodySize: Number.MAX_SAFE_INTEGER,
      // Bun's development error page shows paths and source lines; never, whatever NODE_ENV says.
      development: false,
      fetch: (request, bunServer) => handle(request, bunServer),
      websocket: websocketHandlers(env.MAX_BODY_SIZE),
      // Nothing should reach it (the pipeline answers every error); if something does, the
      // client gets the contract's JSON, not Bun's page.
      error(error) {
        logger.error("request failed outside the pipeline", { error: String(error) });
        return errorResponse(new BuntimeError("INTERNAL_ERROR", "internal error"));
      },
    });
  } catch (error) {
    // Undo the start so a failed listen (port in use) leaves nothing running.
    schedules.close();
    unwatch();
    catalog.close();
    releases.close();
    await pool.close(0);
    await cluster.close();
    isolation.close();
    processStats?.close();
    await plugins.shutdown();
    throw error;
  }
  serving = true;
  publisher = server;

  let stopping: Promise<CloseReport> | undefined;
  const stop = (graceMs = env.SHUTDOWN_TIMEOUT * 1000) => {
    stopping ??= (async () => {
      draining = true;
      schedules.close();
      unwatch();
      catalog.close();
      releases.close();
      const closed = server.stop(false);
      const report = await pool.close(graceMs);
      await cluster.close();
      isolation.close();
      processStats?.close();
      await plugins.shutdown();
      await Promise.race([closed, Bun.sleep(100)]);
      server.stop(true);
      return report;
    })();
    return stopping;
  };

  const host = env.HOST === "0.0.0.0" || env.HOST === "::" ? "127.0.0.1" : env.HOST;
  const url = new URL(`http://${host.includes(":") ? `[${host}]` : host}:${server.port}/`);
  return {
    url,
    port: server.port as number,
    catalog,
    pool,
    plugins,
    deployer,
    keys: admin.keys,
    cluster,
    releases,
    logs,
    schedules: schedules.scheduler,
    stats: () =>
      statsJson({ pool, stats, catalog, node, isolation: isolation.report, logs, schedules: schedules.scheduler }),
    // Without a connection nothing upgrades: the pipeline answers every request made in-process.
    fetch: (request) => Promise.resolve(handle(request)) as Promise<Response>,
    stop,
  };
}
