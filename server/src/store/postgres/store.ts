/**
 * The `postgres` store (`BUNTIME_STORE=postgres://…`). Opening it never fails for a database
 * that is down: the schema is migrated on the first round trip that works, and every operation
 * until then throws STORE_UNAVAILABLE, so a node can start, serve what it holds, and report
 * itself not ready until it has synced.
 */
import type { Store } from "../store.ts";
import { PgConnection } from "./connection.ts";
import { pgDeploymentStore } from "./deployments.ts";
import { pgKeyStore } from "./keys.ts";
import { migrate } from "./migrations.ts";
import { pgLeaseStore, pgNodeStore } from "./nodes.ts";
import { pgPolicyDocStore } from "./policies.ts";
import { pgReleaseStore } from "./releases.ts";

export function postgresStore(url: string): Store {
  const db = new PgConnection(url);
  let migrated: Promise<void> | undefined;
  /** Migrates once; a failure is forgotten so that the next call tries again. */
  const ready = (): Promise<void> => {
    migrated ??= db
      .run(async (sql) => {
        await migrate(sql);
      })
      .catch((error: unknown) => {
        migrated = undefined;
        throw error;
      });
    return migrated;
  };
  return {
    kind: "postgres",
    name: db.name,
    keys: pgKeyStore(db, ready),
    policies: pgPolicyDocStore(db, ready),
    deployments: pgDeploymentStore(db, ready),
    nodes: pgNodeStore(db, ready),
    leases: pgLeaseStore(db, ready),
    releases: pgReleaseStore(db, ready),
    connected: () => db.connected(),
    onConnection: (listener) => db.onConnection(listener),
    listen: async () => {
      await ready();
      await db.listen();
      await db.poll();
    },
    close: () => db.close(),
  };
}
