/** authz's policies in PostgreSQL: one JSON document in `buntime_policies`. */
import type { SQL } from "bun";
import { StoreError } from "../keys.ts";
import type { PolicyDocStore } from "../policies.ts";
import { bump, type PgConnection } from "./connection.ts";

export function pgPolicyDocStore(db: PgConnection, ready: () => Promise<void>): PolicyDocStore {
  const run = async <T>(work: (sql: SQL) => Promise<T>) => {
    await ready();
    return db.run(work);
  };
  return {
    name: `policy table in ${db.name}`,
    read: () =>
      run(async (sql) => {
        const [row] = (await sql`SELECT doc FROM buntime_policies WHERE id = 1`) as { doc: string }[];
        if (!row) return [];
        try {
          return JSON.parse(row.doc);
        } catch (error) {
          throw new StoreError("STORE_CORRUPT", `policies in ${db.name}: ${(error as Error).message}`);
        }
      }),
    write: (sources) =>
      run((sql) =>
        sql.begin(async (tx) => {
          const doc = JSON.stringify(sources);
          await tx`INSERT INTO buntime_policies (id, doc) VALUES (1, ${doc}) ON CONFLICT (id) DO UPDATE SET doc = excluded.doc`;
          await bump(tx, "policies");
        }),
      ),
    subscribe: (listener) => db.onChange("policies", listener),
  };
}
