/** The node registry and schedule runs in PostgreSQL (`buntime_nodes`, `buntime_schedule_runs`); times are the database's. */
import type { SQL } from "bun";
import { decideClaim, type LeaseStore } from "../leases.ts";
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
    // Read under the row's lock and decided by the rule every backend shares (`decideClaim`),
    // with the database's clock: nodes' clocks may differ, its is one.
    claim: (name, holder, due, ttlMs) =>
      run((sql) =>
        sql.begin(async (tx) => {
          await tx`
            INSERT INTO buntime_schedule_runs (name, due, holder, until) VALUES (${name}, -1, '', 'epoch')
            ON CONFLICT (name) DO NOTHING`;
          const [row] = (await tx`
            SELECT due, holder, (extract(epoch FROM until) * 1000)::float8 AS until,
              (extract(epoch FROM now()) * 1000)::float8 AS now
            FROM buntime_schedule_runs WHERE name = ${name} FOR UPDATE`) as RunRow[];
          if (!row) throw new Error(`the schedule run record ${name} vanished`);
          const now = Number(row.now);
          const record = { due: Number(row.due), holder: row.holder, until: Number(row.until) };
          const { claim, next } = decideClaim(record, holder, due, now, ttlMs);
          if (next) {
            await tx`
              UPDATE buntime_schedule_runs SET due = ${next.due}, holder = ${next.holder},
                until = to_timestamp(${next.until} / 1000.0)
              WHERE name = ${name}`;
          }
          return claim;
        }),
      ),
    finish: (name, holder) =>
      run(async (sql) => {
        await sql`UPDATE buntime_schedule_runs SET until = 'epoch' WHERE name = ${name} AND holder = ${holder}`;
      }),
  };
}

type RunRow = { due: string | number; holder: string; until: string | number; now: string | number };
