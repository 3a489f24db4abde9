/** Deployments in PostgreSQL: `buntime_archives` (by sha256) and `buntime_deployments` (metadata). */
import type { SQL } from "bun";
import type { DeploymentArchive, DeploymentRecord, DeploymentStore } from "../deployments.ts";
import { StoreError } from "../keys.ts";
import { holderIn } from "../releases.ts";
import { bump, type PgConnection } from "./connection.ts";
import { lockApp, parseRelease } from "./releases.ts";

type Row = { name: string; version: string; sha256: string; kind: "tar.gz" | "zip"; created: Date };

/** `ready` resolves once the schema is migrated (it throws STORE_UNAVAILABLE while the database is down). */
export function pgDeploymentStore(db: PgConnection, ready: () => Promise<void>): DeploymentStore {
  const run = async <T>(work: (sql: SQL) => Promise<T>) => {
    await ready();
    return db.run(work);
  };
  return {
    revision: () =>
      run(async (sql) => {
        const [row] = await sql`SELECT revision::text AS revision FROM buntime_revisions WHERE kind = 'deployments'`;
        return (row as { revision: string }).revision;
      }),
    list: () =>
      run((sql) =>
        // One transaction: the revision and the rows agree.
        sql.begin(async (tx) => {
          const [rev] = await tx`SELECT revision::text AS revision FROM buntime_revisions WHERE kind = 'deployments'`;
          const rows = (await tx`
            SELECT d.name, d.version, d.sha256, a.kind, d.created
            FROM buntime_deployments d JOIN buntime_archives a USING (sha256)
            ORDER BY d.name, d.version`) as Row[];
          const records: DeploymentRecord[] = rows.map((r) => ({
            name: r.name,
            version: r.version,
            sha256: r.sha256,
            kind: r.kind,
            created: new Date(r.created).toISOString(),
          }));
          return { revision: (rev as { revision: string }).revision, records };
        }),
      ),
    archive: (sha256) =>
      run(async (sql) => {
        const [row] = (await sql`SELECT kind, bytes FROM buntime_archives WHERE sha256 = ${sha256}`) as {
          kind: "tar.gz" | "zip";
          bytes: Uint8Array;
        }[];
        return row ? { sha256, kind: row.kind, bytes: new Uint8Array(row.bytes) } : undefined;
      }),
    put: (name, version, archive: DeploymentArchive, replace) =>
      run((sql) =>
        againAfterOrphanRace(() =>
          sql.begin(async (tx) => {
            await tx`
            INSERT INTO buntime_archives (sha256, kind, bytes, size)
            VALUES (${archive.sha256}, ${archive.kind}, ${archive.bytes}, ${archive.bytes.byteLength})
            ON CONFLICT (sha256) DO NOTHING`;
            let created: boolean;
            if (replace) {
              const [row] = await tx`
              INSERT INTO buntime_deployments (name, version, sha256) VALUES (${name}, ${version}, ${archive.sha256})
              ON CONFLICT (name, version) DO UPDATE SET sha256 = excluded.sha256, created = now()
              RETURNING (xmax = 0) AS created`;
              created = (row as { created: boolean }).created;
              await deleteOrphans(tx);
            } else {
              // The primary key decides between two nodes at once: the second waits for the first
              // to commit, then inserts nothing.
              const rows = await tx`
              INSERT INTO buntime_deployments (name, version, sha256) VALUES (${name}, ${version}, ${archive.sha256})
              ON CONFLICT (name, version) DO NOTHING RETURNING name`;
              if (rows.length === 0) {
                throw new StoreError("DEPLOYMENT_EXISTS", `${name}@${version} already exists; PUT replaces it`);
              }
              created = true;
            }
            await bump(tx, "deployments");
            return { created };
          }),
        ),
      ),
    remove: (name, version) =>
      run((sql) =>
        againAfterOrphanRace(() =>
          sql.begin(async (tx) => {
            // A tag or the split that holds it refuses the delete, checked in the transaction a
            // release change of the app waits for (see `lockApp`).
            await lockApp(tx, name);
            const [release] = (await tx`SELECT state FROM buntime_releases WHERE app = ${name}`) as { state: string }[];
            const holder = release && holderIn(parseRelease(name, release.state, db.name), version);
            if (holder !== undefined) {
              throw new StoreError(
                "VERSION_IN_USE",
                `${name}@${version} is held by ${holder}: move or delete it first`,
              );
            }
            const rows =
              await tx`DELETE FROM buntime_deployments WHERE name = ${name} AND version = ${version} RETURNING sha256`;
            if (rows.length === 0) return false;
            await deleteOrphans(tx);
            await bump(tx, "deployments");
            return true;
          }),
        ),
      ),
    subscribe: (listener) => db.onChange("deployments", listener),
  };
}

/** Drops archives no version holds any more. */
async function deleteOrphans(tx: SQL): Promise<void> {
  await tx`
    DELETE FROM buntime_archives a
    WHERE NOT EXISTS (SELECT 1 FROM buntime_deployments d WHERE d.sha256 = a.sha256)`;
}

/** SQLSTATE foreign_key_violation. */
const FOREIGN_KEY_VIOLATION = "23503";

/**
 * A put and a remove of versions with the same archive bytes, at once, race on the archive: the
 * remove drops it as an orphan while the put's version, not yet committed, is about to hold it,
 * and one of them fails on the version's foreign key (the put when the drop commits first, the
 * remove when the put does). The failed one is run again, and then sees the other's outcome: the
 * put inserts the archive itself, the remove keeps it. Seen as a spurious 503 in 17 of 80 races.
 */
async function againAfterOrphanRace<T>(attempt: () => Promise<T>): Promise<T> {
  for (let tries = 1; ; tries++) {
    try {
      return await attempt();
    } catch (error) {
      if (tries >= 3 || (error as { errno?: unknown } | null)?.errno !== FOREIGN_KEY_VIOLATION) throw error;
    }
  }
}
