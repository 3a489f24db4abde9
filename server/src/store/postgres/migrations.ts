/**
 * The store's schema, as numbered migrations recorded in `schema_migrations`. They run in one
 * transaction under an advisory lock, so two nodes starting at once apply each exactly once
 * (the second waits, then finds them applied). A migration is never edited once released: a
 * change is a new one.
 */
import type { SQL } from "bun";

/** Any constant: the advisory lock's key ("bunt" in ASCII, within a safe integer). */
const LOCK_KEY = 0x62756e74;

export const MIGRATIONS: readonly { version: number; name: string; up: string }[] = [
  {
    version: 1,
    name: "deployments, keys, policies, nodes, leases, releases",
    up: `
      CREATE TABLE buntime_revisions (kind text PRIMARY KEY, revision bigint NOT NULL DEFAULT 0);
      INSERT INTO buntime_revisions (kind) VALUES ('deployments'), ('policies'), ('keys'), ('releases');
      -- Archives content-addressed: two versions with the same bytes share one row.
      CREATE TABLE buntime_archives (
        sha256 text PRIMARY KEY, kind text NOT NULL, bytes bytea NOT NULL, size integer NOT NULL,
        created timestamptz NOT NULL DEFAULT now());
      CREATE TABLE buntime_deployments (
        name text NOT NULL, version text NOT NULL,
        sha256 text NOT NULL REFERENCES buntime_archives (sha256),
        created timestamptz NOT NULL DEFAULT now(),
        PRIMARY KEY (name, version));
      CREATE INDEX buntime_deployments_sha256 ON buntime_deployments (sha256);
      -- Times as the ISO strings the key record holds.
      CREATE TABLE buntime_keys (
        name text PRIMARY KEY, role text NOT NULL, hash text NOT NULL,
        created text NOT NULL, expires text, last_used text);
      -- authz's policies, one JSON document (text: parsed and validated by authz).
      CREATE TABLE buntime_policies (id integer PRIMARY KEY CHECK (id = 1), doc text NOT NULL);
      CREATE TABLE buntime_nodes (
        id text PRIMARY KEY, started timestamptz NOT NULL, last_seen timestamptz NOT NULL,
        versions text NOT NULL);
      -- Room for schedules (one node runs a due job) and releases (tags, traffic, history per app).
      CREATE TABLE buntime_leases (name text PRIMARY KEY, holder text NOT NULL, expires timestamptz NOT NULL);
      CREATE TABLE buntime_releases (app text PRIMARY KEY, state text NOT NULL);
    `,
  },
  {
    version: 2,
    name: "schedule runs claimed per due time",
    up: `
      -- One row per schedule: the latest due time claimed (ms since the epoch) and, while a run
      -- goes, who runs it and until when at most (store/leases.ts). It replaces buntime_leases,
      -- which stays for now: nodes of the previous release (a rolling upgrade, a rollback) still
      -- take their leases there; a later release drops it.
      CREATE TABLE buntime_schedule_runs (
        name text PRIMARY KEY, due bigint NOT NULL, holder text NOT NULL, until timestamptz NOT NULL);
    `,
  },
];

/** Applies the migrations not yet applied; returns the versions it applied. */
export async function migrate(sql: SQL): Promise<number[]> {
  return sql.begin(async (tx) => {
    await tx`SELECT pg_advisory_xact_lock(${LOCK_KEY})`;
    await tx`CREATE TABLE IF NOT EXISTS schema_migrations (
      version integer PRIMARY KEY, name text NOT NULL, applied timestamptz NOT NULL DEFAULT now())`;
    const rows = (await tx`SELECT version FROM schema_migrations`) as { version: number }[];
    const done = new Set(rows.map((r) => r.version));
    const applied: number[] = [];
    for (const migration of MIGRATIONS) {
      if (done.has(migration.version)) continue;
      await tx.unsafe(migration.up);
      await tx`INSERT INTO schema_migrations (version, name) VALUES (${migration.version}, ${migration.name})`;
      applied.push(migration.version);
    }
    return applied;
  });
}
