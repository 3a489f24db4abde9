/** The node registry and leases in PostgreSQL (`buntime_nodes`, `buntime_leases`); times are the database's. */
import type { SQL } from "bun";
import type { LeaseStore } from "../leases.ts";
import type { NodeRecord, NodeStore } from "../nodes.ts";
import type { PgConnection } from "./connection.ts";

type Row = { id: string; started: Date; last_seen: Date; versions: string };

export function pgNodeStore(db: PgConnection, ready: () => Promise<void>): NodeStore {
  const run = async <T>(work: (sql: SQL) => Promise<T>) => {
    await ready();
    return db.run(work);
  };
  return {
    heartbeat: (node) =>
      run(async (sql) => {
        const versions = JSON.stringify(node.versions);
        await sql`
          INSERT INTO buntime_nodes (id, started, last_seen, versions) VALUES (${node.id}, ${node.started}, now(), ${versions})
          ON CONFLICT (id) DO UPDATE SET started = excluded.started, last_seen = now(), versions = excluded.versions`;
      }),
    list: (withinMs) =>
      run(async (sql) => {
        const rows = (await sql`
          SELECT id, started, last_seen, versions FROM buntime_nodes
          WHERE last_seen >= now() - make_interval(secs => ${withinMs / 1000}) ORDER BY id`) as Row[];
        return rows.map(
          (r): NodeRecord => ({
            id: r.id,
            started: new Date(r.started).toISOString(),
            lastSeen: new Date(r.last_seen).toISOString(),
            versions: JSON.parse(r.versions) as string[],
          }),
        );
      }),
    forget: (id) =>
      run(async (sql) => {
        await sql`DELETE FROM buntime_nodes WHERE id = ${id}`;
      }),
  };
}

export function pgLeaseStore(db: PgConnection, ready: () => Promise<void>): LeaseStore {
  const run = async <T>(work: (sql: SQL) => Promise<T>) => {
    await ready();
    return db.run(work);
  };
  return {
    acquire: (name, holder, ttlMs) =>
      run(async (sql) => {
        const rows = await sql`
          INSERT INTO buntime_leases (name, holder, expires) VALUES (${name}, ${holder}, now() + make_interval(secs => ${ttlMs / 1000}))
          ON CONFLICT (name) DO UPDATE SET holder = excluded.holder, expires = excluded.expires
          WHERE buntime_leases.holder = excluded.holder OR buntime_leases.expires < now()
          RETURNING holder`;
        return rows.length === 1;
      }),
    release: (name, holder) =>
      run(async (sql) => {
        await sql`DELETE FROM buntime_leases WHERE name = ${name} AND holder = ${holder}`;
      }),
  };
}
