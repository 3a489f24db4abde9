import { Hono } from "hono";
import type { AppCatalog } from "../apps/catalog.ts";
import type { DeploymentWriter } from "../cluster/writer.ts";
import type { IsolationReport } from "../isolation/isolation.ts";
import type { WorkerPool } from "../pool/pool.ts";
import type { StatsCollector } from "../stats/collector.ts";
import { deploymentRoutes } from "./deployments.ts";
import { sseRoute } from "./sse.ts";

export interface InternalDeps {
  isDraining: () => boolean;
  /** Whether the server serves: listening, not draining, and synced with the store once (docs/cluster.md). */
  isReady: () => boolean;
  pool: WorkerPool;
  stats: StatsCollector;
  catalog: AppCatalog;
  /** Writes deployments: into APPS_DIR, or through the shared store (cluster/writer.ts). */
  deployer: DeploymentWriter;
  /** This node's id (docs/cluster.md), in `/_/metrics` and `/_/stats`. */
  node?: string;
  /** What isolation this server enforces (docs/configuration.md#isolation), shown in `/_/stats`. */
  isolation?: IsolationReport;
  /** What holds a version (a tag, the traffic split), so that deleting it is refused. */
  holderOf?: (name: string, version: string) => string | undefined;
  /** Apps' log lines (docs/logs.md): lines taken and dropped per app, in `/_/stats`. */
  logs?: { toJSON(): unknown };
  /** The apps' schedules and their last runs and counts (docs: scheduled handlers), in `/_/stats`. */
  schedules?: { toJSON(): unknown };
  /** With BUNTIME_PROCESSES > 1: every process's stats, in `/_/stats` (processes/group-stats.ts). */
  processes?: () => Promise<unknown[]>;
}

/** The runtime's own routes under `/_/` (docs/routes.md#internal-routes); plugins mount theirs beside these. */
export function internalRoutes(deps: InternalDeps): Hono {
  const routes = new Hono();
  routes.get("/health", (c) => (deps.isDraining() ? c.json({ status: "draining" }, 503) : c.json({ status: "ok" })));
  routes.get("/ready", (c) => (deps.isReady() ? c.json({ status: "ready" }) : c.json({ status: "not ready" }, 503)));
  routes.get("/metrics", (c) => c.json(metricsJson(deps)));
  routes.get("/stats", async (c) =>
    c.json({ ...statsJson(deps), ...(deps.processes && { processes: await deps.processes() }) }),
  );
  // The live workers and the last whole second's figures ride along each second: the dashboard
  // needs no polling.
  routes.get(
    "/sse",
    sseRoute({
      pool: deps.pool,
      stats: () => ({
        ...metricsJson(deps),
        liveWorkers: deps.pool.snapshot(),
        lastSecond: deps.stats.perSecond.lastSecond(Date.now()),
      }),
    }),
  );
  routes.route("/deployments", deploymentRoutes(deps));
  return routes;
}

/** `/_/metrics`: the collector's numbers plus live workers by state. */
export function metricsJson(deps: Pick<InternalDeps, "pool" | "stats" | "node">) {
  const byState: Record<string, number> = {};
  for (const worker of deps.pool.snapshot()) byState[worker.state] = (byState[worker.state] ?? 0) + 1;
  return { ...(deps.node !== undefined && { node: deps.node }), ...deps.stats.toJSON(byState) };
}

/** `/_/stats`: metrics, one entry per live worker, and the apps on disk. */
export function statsJson(
  deps: Pick<InternalDeps, "pool" | "stats" | "catalog" | "isolation" | "node" | "logs" | "schedules">,
) {
  return {
    metrics: metricsJson(deps),
    workers: deps.pool.snapshot(),
    apps: appsSummary(deps.catalog),
    ...(deps.isolation && { isolation: deps.isolation }),
    ...(deps.logs && { logs: deps.logs.toJSON() }),
    ...(deps.schedules && { schedules: deps.schedules.toJSON() }),
  };
}

function appsSummary(catalog: AppCatalog) {
  return catalog.names().map((name) => ({ name, versions: [...(catalog.versions(name) ?? [])] }));
}
