import { expect, test } from "bun:test";
import { memoryKeyStore } from "../../../test/support/key-store.ts";
import { AdminGuard } from "../admin/guard.ts";
import type { AppCatalog } from "../apps/catalog.ts";
import type { WorkerPool } from "../pool/pool.ts";
import type { StatsCollector } from "../stats/collector.ts";
import { silentLogger } from "../util/log.ts";
import { dashboardRoutes } from "./routes.ts";

const keys = memoryKeyStore();

test("an unexpected failure answers 500 INTERNAL_ERROR without its text, which goes to the log", async () => {
  const logged: unknown[] = [];
  const logger = { ...silentLogger, error: (_msg: string, fields?: Record<string, unknown>) => logged.push(fields) };
  const catalog = {
    names: () => {
      throw new Error("ENOENT: /srv/secret/apps");
    },
  } as unknown as AppCatalog;
  const routes = dashboardRoutes({
    catalog,
    pool: { snapshot: () => [] } as unknown as WorkerPool,
    guard: new AdminGuard({ adminToken: "tok", keys, authn: () => false, logger: silentLogger }),
    stats: {} as StatsCollector,
    logger,
  });
  const res = await routes.request("/", { headers: { authorization: "Bearer tok" } });
  expect(res.status).toBe(500);
  const text = await res.text();
  expect(text).toContain("INTERNAL_ERROR");
  expect(text).not.toContain("/srv/secret");
  expect(JSON.stringify(logged)).toContain("/srv/secret");
});
