/**
 * Tags, traffic and history in PostgreSQL (`buntime_releases`: one row per app, its state as the
 * JSON `appReleaseSchema` holds). A change locks the app's row, applies `applyChange` (the rule
 * the file backend applies too) and bumps the `releases` revision, whose NOTIFY makes every node
 * read the table again at once.
 */
import type { SQL } from "bun";
import { StoreError } from "../keys.ts";
import {
  type AppRelease,
  applyChange,
  appReleaseSchema,
  EMPTY_RELEASE,
  type ReleaseStore,
  versionsNamed,
} from "../releases.ts";
import { bump, type PgConnection } from "./connection.ts";

export function pgReleaseStore(
  db: PgConnection,
  ready: () => Promise<void>,
  now: () => number = Date.now,
): ReleaseStore {
  const run = async <T>(work: (sql: SQL) => Promise<T>) => {
    await ready();
    return db.run(work);
  };
  const parse = (app: string, state: string) => parseRelease(app, state, db.name);
  // What the last full read found, and at which revision: every node reads the releases each
  // second (and on each GET /_/apps/<name>), and a read of every app's history, parsed and
  // checked, took over a second of CPU with 50 apps at the history's bound. Unchanged (the
  // revision every change bumps in its transaction), one small query answers.
  let cached: { revision: string; apps: ReadonlyMap<string, AppRelease> } | undefined;
  // A database back from a restore or a failover may hold other rows at the same revision.
  db.onConnection(() => {
    cached = undefined;
  });
  const revisionOf = async (sql: SQL) =>
    (
      (await sql`SELECT revision::text AS revision FROM buntime_revisions WHERE kind = 'releases'`) as {
        revision: string;
      }[]
    )[0]?.revision ?? "0";
  return {
    name: `release table in ${db.name}`,
    list: () =>
      run(async (sql) => {
        if (cached && (await revisionOf(sql)) === cached.revision) return cached.apps;
        const read = await sql.begin(async (tx) => {
          // One transaction: the revision and the rows agree.
          const revision = await revisionOf(tx);
          const rows = (await tx`SELECT app, state FROM buntime_releases`) as { app: string; state: string }[];
          return { revision, apps: new Map(rows.map((r) => [r.app, parse(r.app, r.state)])) };
        });
        cached = read;
        return read.apps;
      }),
    change: (app, requested, by) =>
      run((sql) =>
        sql.begin(async (tx) => {
          await lockApp(tx, app);
          // Checked here, in the transaction a delete of the same app waits for (`lockApp`):
          // checked on the node alone, a tag through one node and a delete through another, at
          // once, were both accepted, and the tag named a version gone.
          const named = versionsNamed(requested);
          if (named.length > 0) {
            const rows = (await tx`SELECT version FROM buntime_deployments WHERE name = ${app}`) as {
              version: string;
            }[];
            const held = new Set(rows.map((row) => row.version));
            const missing = named.filter((version) => !held.has(version));
            if (missing.length > 0) {
              throw new StoreError(
                "VERSION_MISSING",
                `${app} has no version ${missing.map((v) => `"${v}"`).join(", ")}`,
              );
            }
          }
          await tx`INSERT INTO buntime_releases (app, state) VALUES (${app}, ${JSON.stringify(EMPTY_RELEASE)})
            ON CONFLICT (app) DO NOTHING`;
          const [row] = (await tx`SELECT state FROM buntime_releases WHERE app = ${app} FOR UPDATE`) as {
            state: string;
          }[];
          const current = row ? parse(app, row.state) : EMPTY_RELEASE;
          const next = applyChange(current, requested, by, new Date(now()).toISOString());
          if (next === undefined) return undefined;
          await tx`UPDATE buntime_releases SET state = ${JSON.stringify(next)} WHERE app = ${app}`;
          await bump(tx, "releases");
          return next;
        }),
      ),
    subscribe: (listener) => db.onChange("releases", listener),
  };
}

/**
 * Serialises the writes of one app's releases and deployments across nodes (a transaction's
 * advisory lock, released at its end): a release change and a delete of the app's versions see
 * each other's outcome.
 */
export async function lockApp(tx: SQL, app: string): Promise<void> {
  await tx`SELECT pg_advisory_xact_lock(hashtextextended(${`buntime-app:${app}`}, 0))`;
}

/** An app's release state as stored. @throws StoreError STORE_CORRUPT */
export function parseRelease(app: string, state: string, where: string): AppRelease {
  let json: unknown;
  try {
    json = JSON.parse(state);
  } catch {
    throw new StoreError("STORE_CORRUPT", `releases of "${app}" in ${where} are not valid JSON`);
  }
  const parsed = appReleaseSchema.safeParse(json);
  if (!parsed.success) throw new StoreError("STORE_CORRUPT", `releases of "${app}" in ${where} are not valid`);
  return parsed.data;
}
