/**
 * The PostgreSQL store against a real PostgreSQL (Debian's binaries, deploy/local/postgres.ts):
 * migrations under the advisory lock, deployments (content-addressed archives, the unique key
 * between two writers, revisions, notifications), keys, policies, nodes, leases, and a database
 * that cannot be reached.
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { SQL } from "bun";
import { freePort, startPostgres, type TestPostgres } from "../../../../deploy/local/postgres.ts";
import { type PolicyEntry, parseEntry } from "../../plugins/builtin/authz/pdp/index.ts";
import { PolicyStore } from "../../plugins/builtin/authz/store/store.ts";
import { StoreError } from "../keys.ts";
import type { Store } from "../store.ts";
import { PgConnection } from "./connection.ts";
import { MIGRATIONS, migrate } from "./migrations.ts";
import { postgresStore } from "./store.ts";

let pg: TestPostgres;
const opened: Store[] = [];

function open(): Store {
  const store = postgresStore(pg.url);
  opened.push(store);
  return store;
}

const sha = (text: string) => new Bun.CryptoHasher("sha256").update(text).digest("hex");
const archive = (text: string) => ({
  sha256: sha(text),
  kind: "tar.gz" as const,
  bytes: new TextEncoder().encode(text),
});

beforeAll(async () => {
  pg = await startPostgres();
}, 30_000);

afterAll(async () => {
  await Promise.all(opened.map((s) => s.close()));
  await pg?.destroy();
});

describe("migrations", () => {
  test("two nodes migrating at once apply each migration exactly once", async () => {
    const [one, two] = [new SQL(pg.url), new SQL(pg.url)];
    try {
      // As a database where an older release ran: the bookkeeping table exists, the migrations are due.
      await one`CREATE TABLE schema_migrations (version integer PRIMARY KEY, name text NOT NULL, applied timestamptz NOT NULL DEFAULT now())`;
      const applied = await Promise.all([migrate(one), migrate(two)]);
      expect(applied.flat()).toEqual(MIGRATIONS.map((m) => m.version));
      expect(await migrate(one)).toEqual([]);
      const rows = await one`SELECT version FROM schema_migrations ORDER BY version`;
      expect(rows.map((r: { version: number }) => r.version)).toEqual(MIGRATIONS.map((m) => m.version));
    } finally {
      await one.close();
      await two.close();
    }
  });
});

describe("deployments", () => {
  test("put, list, archive, replace and remove; orphaned archives go, shared ones stay", async () => {
    const deployments = open().deployments!;
    const before = await deployments.revision();
    expect(await deployments.put("app", "1.0.0", archive("one"), false)).toEqual({ created: true });
    expect(await deployments.put("app", "1.1.0", archive("one"), false)).toEqual({ created: true });
    expect(await deployments.revision()).not.toBe(before);
    const { records } = await deployments.list();
    expect(records.filter((r) => r.name === "app").map((r) => [r.version, r.sha256])).toEqual([
      ["1.0.0", sha("one")],
      ["1.1.0", sha("one")],
    ]);
    expect(new TextDecoder().decode((await deployments.archive(sha("one")))!.bytes)).toBe("one");

    expect(await deployments.put("app", "1.0.0", archive("two"), true)).toEqual({ created: false });
    expect(await deployments.archive(sha("one"))).toBeDefined(); // 1.1.0 still holds it
    expect(await deployments.remove("app", "1.1.0")).toBe(true);
    expect(await deployments.archive(sha("one"))).toBeUndefined();
    expect(await deployments.remove("app", "1.1.0")).toBe(false);
    expect(await deployments.put("app", "2.0.0", archive("three"), true)).toEqual({ created: true });
  });

  test("the same new version from two nodes at once: exactly one is created, the other is DEPLOYMENT_EXISTS", async () => {
    const [one, two] = [open().deployments!, open().deployments!];
    for (let i = 0; i < 10; i++) {
      const results = await Promise.allSettled([
        one.put("race", `1.0.${i}`, archive(`a${i}`), false),
        two.put("race", `1.0.${i}`, archive(`b${i}`), false),
      ]);
      expect(results.filter((r) => r.status === "fulfilled")).toHaveLength(1);
      const refused = results.find((r) => r.status === "rejected") as PromiseRejectedResult;
      expect(refused.reason).toBeInstanceOf(StoreError);
      expect((refused.reason as StoreError).code).toBe("DEPLOYMENT_EXISTS");
    }
    // The loser's archive was rolled back with its transaction.
    const { records } = await one.list();
    const kept = new Set(records.filter((r) => r.name === "race").map((r) => r.sha256));
    for (let i = 0; i < 10; i++) {
      const held = [sha(`a${i}`), sha(`b${i}`)].filter((s) => kept.has(s));
      expect(held).toHaveLength(1);
      const other = [sha(`a${i}`), sha(`b${i}`)].find((s) => !kept.has(s))!;
      expect(await one.archive(other)).toBeUndefined();
    }
  });

  test("another node's change is notified once it listens", async () => {
    const [writer, reader] = [open(), open()];
    await reader.listen();
    const notified = Promise.withResolvers<void>();
    reader.deployments!.subscribe(() => notified.resolve());
    await writer.deployments!.put("notified", "1.0.0", archive("n"), false);
    await notified.promise;
    expect(reader.connected()).toBe(true);
  });
});

describe("keys, policies, nodes, leases", () => {
  const record = (name: string) => ({
    name,
    role: "viewer" as const,
    hash: sha(name),
    created: new Date().toISOString(),
    expires: null,
    lastUsed: null,
  });

  test("keys: create, KEY_EXISTS, and a revocation on one node seen by another's next list after the notification", async () => {
    const [one, two] = [open(), open()];
    await two.listen();
    await one.keys.create(record("ci"));
    await expect(one.keys.create(record("ci"))).rejects.toMatchObject({ code: "KEY_EXISTS" });
    expect((await two.keys.list()).map((k) => k.name)).toContain("ci");
    const notified = Promise.withResolvers<void>();
    two.keys.subscribe(() => notified.resolve());
    expect(await one.keys.remove("ci")).toBe(true);
    await notified.promise;
    expect((await two.keys.list()).map((k) => k.name)).not.toContain("ci");
    expect(await one.keys.remove("ci")).toBe(false);
  });

  test("keys: touch records every named key's last use in one call; unknown names are ignored", async () => {
    const store = open();
    await store.keys.create(record("touch-a"));
    await store.keys.create(record("touch-b"));
    await store.keys.touch(
      new Map([
        ["touch-a", "2026-02-01T00:00:00.000Z"],
        ["touch-b", "2026-02-02T00:00:00.000Z"],
        ["nobody'; DROP TABLE buntime_keys; --", "2026-02-03T00:00:00.000Z"],
      ]),
    );
    const fresh = open(); // no cached list
    const used = new Map((await fresh.keys.list()).map((k) => [k.name, k.lastUsed]));
    expect(used.get("touch-a")).toBe("2026-02-01T00:00:00.000Z");
    expect(used.get("touch-b")).toBe("2026-02-02T00:00:00.000Z");
    await store.keys.touch(new Map());
  });

  test("policies: none at first, then what was written, notified to the other node", async () => {
    const [one, two] = [open(), open()];
    await two.listen();
    expect(await two.policies.read()).toEqual([]);
    const notified = Promise.withResolvers<void>();
    two.policies.subscribe(() => notified.resolve());
    await one.policies.write([{ id: "p", effect: "permit" }]);
    await notified.promise;
    expect(await two.policies.read()).toEqual([{ id: "p", effect: "permit" }]);
  });

  test("policies: two nodes adding at the same moment keep both (authz's read-modify-write is one transaction)", async () => {
    const entry = (id: string): PolicyEntry => {
      const parsed = parseEntry({ id, effect: "permit" });
      if (!parsed.ok) throw new Error("bad entry");
      return parsed.value;
    };
    const [one, two] = [open(), open()];
    const [a, b] = [new PolicyStore(one.policies), new PolicyStore(two.policies)];
    await Promise.all([a.load(), b.load()]);
    for (let round = 0; round < 10; round++) {
      await Promise.all([a.add(entry(`one-${round}`)), b.add(entry(`two-${round}`))]);
    }
    const stored = (await open().policies.read()) as { id: string }[];
    const ids = stored.map((p) => p.id).filter((id) => /^(one|two)-/.test(id));
    expect(ids).toHaveLength(20);
    // And an id taken on another node is refused, not overwritten.
    await expect(b.add(entry("one-0"))).rejects.toMatchObject({ code: "POLICY_EXISTS" });
  });

  test("nodes: a heartbeat is listed with its versions until forgotten", async () => {
    const store = open();
    await store.nodes.heartbeat({ id: "n1", started: new Date().toISOString(), versions: ["a@1.0.0"] });
    expect(await store.nodes.list(30_000)).toContainEqual(expect.objectContaining({ id: "n1", versions: ["a@1.0.0"] }));
    await store.nodes.forget("n1");
    expect((await store.nodes.list(30_000)).map((n) => n.id)).not.toContain("n1");
  });

  test("schedule runs: one claim per due time, none while a run goes, by the database's clock", async () => {
    const { leases } = open();
    const other = open().leases;
    expect(await leases.claim("job", "h1", 1000, 60_000)).toBe("run");
    expect(await other.claim("job", "h2", 1000, 60_000)).toBe("taken");
    expect(await other.claim("job", "h2", 2000, 60_000)).toBe("skip");
    expect(await leases.claim("job", "h1", 2000, 60_000)).toBe("taken");
    await leases.finish("job", "h1");
    expect(await other.claim("job", "h2", 3000, 1)).toBe("run");
    await Bun.sleep(20); // h2's bound of 1 ms passes on the database's clock
    expect(await leases.claim("job", "h3", 4000, 60_000)).toBe("run");
    expect(await other.claim("job", "h2", 3500, 60_000)).toBe("taken"); // a timer that fired late
  });
});

test("a remove and a put of versions with the same archive bytes, at once, both succeed (the orphan race)", async () => {
  const [one, two] = [open().deployments!, open().deployments!];
  const failures: string[] = [];
  for (let i = 0; i < 30; i++) {
    const bytes = crypto.getRandomValues(new Uint8Array(64));
    const same = { sha256: new Bun.CryptoHasher("sha256").update(bytes).digest("hex"), kind: "tar.gz" as const, bytes };
    await one.put("orphan", "1.0.0", same, true);
    const outcomes = await Promise.allSettled([
      one.remove("orphan", "1.0.0"),
      two.put("orphan", `1.1.${i}`, same, false),
    ]);
    for (const o of outcomes) if (o.status === "rejected") failures.push(String(o.reason));
    expect(await one.archive(same.sha256)).toBeDefined(); // 1.1.i holds it
    await two.remove("orphan", `1.1.${i}`);
    expect(await one.archive(same.sha256)).toBeUndefined(); // and nothing else did
  }
  expect(failures).toEqual([]);
});

describe("releases", () => {
  test("another node's change is read at once; unchanged, the last read is reused (no history parsed again)", async () => {
    const [one, two] = [open().releases, open().releases];
    const deployments = open().deployments!;
    await deployments.put("relapp", "1.0.0", archive("relapp 1.0.0"), false);
    await deployments.put("relapp", "1.1.0", archive("relapp 1.1.0"), false);
    await one.change("relapp", { action: "tag", tag: "latest", version: "1.0.0" }, "ci");
    const first = await two.list();
    expect(first.get("relapp")?.tags).toEqual({ latest: "1.0.0" });
    expect(await two.list()).toBe(first); // the revision did not move: the same map
    await one.change("relapp", { action: "tag", tag: "beta", version: "1.1.0" }, "ci");
    const second = await two.list();
    expect(second).not.toBe(first);
    expect(second.get("relapp")?.tags).toEqual({ latest: "1.0.0", beta: "1.1.0" });
  });
});

test("a release change naming a version the store does not hold is refused; a delete of a version a tag holds too", async () => {
  const store = open();
  const deployments = store.deployments!;
  await deployments.put("tagged", "1.0.0", archive("tagged 1.0.0"), false);
  const missing = await store.releases
    .change("tagged", { action: "tag", tag: "beta", version: "9.9.9" }, "ci")
    .catch((error: unknown) => error);
  expect((missing as { code: string }).code).toBe("VERSION_MISSING");
  await store.releases.change("tagged", { action: "tag", tag: "beta", version: "1.0.0" }, "ci");
  const inUse = await deployments.remove("tagged", "1.0.0").catch((error: unknown) => error);
  expect((inUse as { code: string }).code).toBe("VERSION_IN_USE");
  expect((await deployments.list()).records.some((r) => r.name === "tagged")).toBe(true);
});

describe("a write held up in the database", () => {
  test("answers STORE_UNAVAILABLE within its bound, and is not stored when the database lets it go", async () => {
    const deployments = open().deployments!;
    await deployments.revision(); // migrated: the lock below holds the write, not the migration
    const locker = new SQL(pg.url);
    try {
      let refused: unknown;
      await locker.begin(async (tx) => {
        await tx`LOCK TABLE buntime_deployments IN ACCESS EXCLUSIVE MODE`;
        refused = await deployments.put("held", "1.0.0", archive("held"), false).catch((error: unknown) => error);
      });
      expect(refused).toMatchObject({ code: "STORE_UNAVAILABLE" });
      // The lock is gone: a put still waiting behind it would go in first, and this one would
      // meet DEPLOYMENT_EXISTS. The client was told the first failed, so it must not be there.
      expect(await deployments.put("held", "1.0.0", archive("held again"), false)).toEqual({ created: true });
      expect(await deployments.archive(sha("held"))).toBeUndefined();
    } finally {
      await locker.close();
    }
  }, 15_000);

  test("a transaction whose statements each finish but which outlasts the bound is rolled back, not committed", async () => {
    const db = new PgConnection(pg.url);
    const sql = new SQL(pg.url);
    try {
      await sql`CREATE TABLE IF NOT EXISTS late_writes (id text PRIMARY KEY)`;
      const answered = db
        .run((s) =>
          s.begin(async (tx) => {
            await tx`INSERT INTO late_writes VALUES ('late')`;
            await tx`SELECT pg_sleep(3)`;
            await tx`SELECT pg_sleep(2.5)`; // each under STATEMENT_TIMEOUT_MS, the two past the bound
          }),
        )
        .catch((error: unknown) => error);
      expect(await answered).toMatchObject({ code: "STORE_UNAVAILABLE" });
      // The transaction's work goes on after the answer; wait for its session to end it.
      const busy = async () =>
        (
          (await sql`SELECT count(*)::int AS n FROM pg_stat_activity WHERE query LIKE '%pg_sleep(%' AND pid <> pg_backend_pid() AND state <> 'idle'`) as {
            n: number;
          }[]
        )[0]?.n;
      while ((await busy()) !== 0) await Bun.sleep(50);
      expect(await sql`SELECT id FROM late_writes`).toEqual([]);
    } finally {
      await db.close();
      await sql.close();
    }
  }, 15_000);
});

describe("a database that cannot be reached", () => {
  test("every operation is STORE_UNAVAILABLE and the store says it is not connected", async () => {
    const store = postgresStore(`postgres://nobody@127.0.0.1:${await freePort()}/none`);
    opened.push(store);
    await expect(store.deployments!.revision()).rejects.toMatchObject({ code: "STORE_UNAVAILABLE" });
    await expect(store.keys.list()).rejects.toMatchObject({ code: "STORE_UNAVAILABLE" });
    await expect(store.listen()).rejects.toMatchObject({ code: "STORE_UNAVAILABLE" });
    expect(store.connected()).toBe(false);
  });
});

describe("missed notifications", () => {
  test("listen() notifies a kind whose revision moved without a notification reaching this node", async () => {
    const store = open();
    await store.listen(); // records the revisions
    let notified = 0;
    store.policies.subscribe(() => notified++);
    // A change made behind the node's back: the revision moves, no NOTIFY is sent.
    const sql = new SQL(pg.url);
    try {
      await sql`UPDATE buntime_revisions SET revision = revision + 1 WHERE kind = 'policies'`;
    } finally {
      await sql.close();
    }
    await store.listen();
    expect(notified).toBe(1);
    await store.listen();
    expect(notified).toBe(1);
  });
});
