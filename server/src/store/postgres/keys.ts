/** API keys in PostgreSQL (`buntime_keys`): every read is a round trip, so a revocation on any node is effective on the next request. */
import type { SQL } from "bun";
import { type KeyRecord, type KeyStore, keyRecordSchema, StoreError } from "../keys.ts";
import { bump, type PgConnection } from "./connection.ts";

type Row = {
  name: string;
  role: string;
  hash: string;
  created: string;
  expires: string | null;
  last_used: string | null;
};

export function pgKeyStore(db: PgConnection, ready: () => Promise<void>): KeyStore {
  const run = async <T>(work: (sql: SQL) => Promise<T>) => {
    await ready();
    return db.run(work);
  };
  return {
    name: `key table in ${db.name}`,
    list: () =>
      run(async (sql) => {
        const rows =
          (await sql`SELECT name, role, hash, created, expires, last_used FROM buntime_keys ORDER BY created, name`) as Row[];
        return rows.map((r) => {
          const parsed = keyRecordSchema.safeParse({
            name: r.name,
            role: r.role,
            hash: r.hash,
            created: r.created,
            expires: r.expires,
            lastUsed: r.last_used,
          });
          if (!parsed.success)
            throw new StoreError("STORE_CORRUPT", `key "${r.name}" in ${db.name} is not a valid record`);
          return parsed.data;
        });
      }),
    create: (record: KeyRecord) =>
      run((sql) =>
        sql.begin(async (tx) => {
          const rows = await tx`
            INSERT INTO buntime_keys (name, role, hash, created, expires, last_used)
            VALUES (${record.name}, ${record.role}, ${record.hash}, ${record.created}, ${record.expires}, ${record.lastUsed})
            ON CONFLICT (name) DO NOTHING RETURNING name`;
          if (rows.length === 0) throw new StoreError("KEY_EXISTS", `a key named "${record.name}" already exists`);
          await bump(tx, "keys");
        }),
      ),
    remove: (name) =>
      run((sql) =>
        sql.begin(async (tx) => {
          const rows = await tx`DELETE FROM buntime_keys WHERE name = ${name} RETURNING name`;
          if (rows.length === 0) return false;
          await bump(tx, "keys");
          return true;
        }),
      ),
    // Last-used times are advisory: no revision bump, no notification.
    touch: (lastUsed) =>
      run(async (sql) => {
        for (const [name, at] of lastUsed) await sql`UPDATE buntime_keys SET last_used = ${at} WHERE name = ${name}`;
      }),
    subscribe: (listener) => db.onChange("keys", listener),
  };
}
