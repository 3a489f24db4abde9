/**
 * API keys in PostgreSQL (`buntime_keys`). The admin guard lists keys on every admin request, so
 * the list is cached: dropped at once on any node's change (NOTIFY, or a reconnect that may have
 * missed one) and read again at most `MAX_AGE_MS` later regardless. While the database cannot be
 * reached, the last list read stands (the node keeps serving what it holds; no key can be
 * created or revoked meanwhile: those writes answer 503).
 */
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

/** A cached list is read again after this long even without a notification (real time). */
const MAX_AGE_MS = 2_000;

export function pgKeyStore(db: PgConnection, ready: () => Promise<void>): KeyStore {
  const run = async <T>(work: (sql: SQL) => Promise<T>) => {
    await ready();
    return db.run(work);
  };
  let cached: { at: number; keys: readonly KeyRecord[] } | undefined;
  let fresh = false;
  const listeners = new Set<() => void>();
  db.onChange("keys", () => {
    fresh = false;
    for (const listener of listeners) listener();
  });

  const read = () =>
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
    });

  return {
    name: `key table in ${db.name}`,
    async list() {
      if (cached && fresh && performance.now() - cached.at < MAX_AGE_MS) return cached.keys;
      const at = performance.now();
      fresh = true; // a notification during the read marks it stale again
      try {
        const keys = await read();
        cached = { at, keys };
        return keys;
      } catch (error) {
        fresh = false;
        if (cached && error instanceof StoreError && error.code === "STORE_UNAVAILABLE") return cached.keys;
        throw error;
      }
    },
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
      ).finally(() => {
        fresh = false;
      }),
    remove: (name) =>
      run((sql) =>
        sql.begin(async (tx) => {
          const rows = await tx`DELETE FROM buntime_keys WHERE name = ${name} RETURNING name`;
          if (rows.length === 0) return false;
          await bump(tx, "keys");
          return true;
        }),
      ).finally(() => {
        fresh = false;
      }),
    // Last-used times are advisory: no revision bump, no notification. One statement (one round
    // trip, all rows or none) whatever the number of keys; the pairs go as one JSON parameter.
    touch: (lastUsed) =>
      run(async (sql) => {
        if (lastUsed.size === 0) return;
        const pairs = JSON.stringify([...lastUsed].map(([name, at]) => ({ name, at })));
        await sql`
          UPDATE buntime_keys AS k SET last_used = v.at
          FROM jsonb_to_recordset(CAST(${pairs}::text AS jsonb)) AS v(name text, at text) WHERE k.name = v.name`;
      }),
    subscribe(listener) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
  };
}
