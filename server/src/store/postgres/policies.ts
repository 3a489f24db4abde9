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
  const parse = (doc: string): unknown => {
    try {
      return JSON.parse(doc);
    } catch (error) {
      throw new StoreError("STORE_CORRUPT", `policies in ${db.name}: ${(error as Error).message}`);
    }
  };
  return {
    name: `policy table in ${db.name}`,
    read: () =>
      run(async (sql) => {
        const [row] = (await sql`SELECT doc FROM buntime_policies WHERE id = 1`) as { doc: string }[];
        if (!row) return [];
        return parse(row.doc);
      }),
    write: (sources) =>
      run((sql) =>
        sql.begin(async (tx) => {
          const doc = JSON.stringify(sources);
          await tx`INSERT INTO buntime_policies (id, doc) VALUES (1, ${doc}) ON CONFLICT (id) DO UPDATE SET doc = excluded.doc`;
          await bump(tx, "policies");
        }),
      ),
    async update(mutate) {
      // What `mutate` throws (POLICY_EXISTS…) is the caller's answer, not the database's failure.
      let refused: { error: unknown } | undefined;
      await run((sql) =>
        sql.begin(async (tx) => {
          // The row exists before it is locked, so two first writers queue on it too.
          await tx`INSERT INTO buntime_policies (id, doc) VALUES (1, '[]') ON CONFLICT (id) DO NOTHING`;
          const [row] = (await tx`SELECT doc FROM buntime_policies WHERE id = 1 FOR UPDATE`) as { doc: string }[];
          let next: readonly unknown[] | undefined;
          try {
            next = mutate(row ? parse(row.doc) : []);
          } catch (error) {
            refused = { error };
            return;
          }
          if (next === undefined) return;
          await tx`UPDATE buntime_policies SET doc = ${JSON.stringify(next)} WHERE id = 1`;
          await bump(tx, "policies");
        }),
      );
      if (refused) throw refused.error;
    },
    subscribe: (listener) => db.onChange("policies", listener),
  };
}
