/**
 * One PostgreSQL connection pool for the store, through Bun's built-in SQL client (`Bun.SQL`).
 * Chosen over an npm driver because Bun 1.4's client does what the store needs with nothing to
 * install: `sql.listen()` keeps a dedicated LISTEN connection, reconnects it with backoff and
 * re-subscribes (calling `onlisten` again, which is our "reconnected: reconcile now" signal), and
 * `notify` inside `sql.begin()` is delivered on commit only. Every failure to reach the server
 * becomes `StoreError` STORE_UNAVAILABLE; whether the last round trip worked is tracked so the
 * node can report it and reconcile when it comes back.
 */
import { SQL } from "bun";
import { EnvError } from "../../constants.ts";
import { StoreError } from "../keys.ts";

/** The NOTIFY channel every node listens on; the payload names what changed. */
export const CHANNEL = "buntime_changes";

/** What a notification says changed. */
export type ChangeKind = "deployments" | "policies" | "keys" | "releases";

/**
 * How long one store round trip may take before the write answers 503 (real time: a hung
 * database must not hold a request forever; `Bun.SQL` has no per-query timeout of its own).
 */
const QUERY_TIMEOUT_MS = 5_000;

/**
 * PostgreSQL's own bound on one statement, a lock wait included, short of QUERY_TIMEOUT_MS: a
 * statement the server is still running when the client has answered 503 could otherwise store
 * a write that the client was told failed (a retry would then meet DEPLOYMENT_EXISTS). A
 * transaction left idle by a client that gave up ends the same way.
 */
export const STATEMENT_TIMEOUT_MS = 4_000;

export class PgConnection {
  readonly sql: SQL;
  /** The URL without its password, for messages. */
  readonly name: string;
  #connected = false;
  readonly #connectionListeners = new Set<(connected: boolean) => void>();
  readonly #changeListeners = new Map<ChangeKind, Set<() => void>>();
  #subscription: Promise<SQL.ListenSubscription | undefined> | undefined;
  #closed = false;
  #listened = false;
  /** The revision of each kind at the last `poll`. */
  readonly #revisions = new Map<ChangeKind, string>();

  /** @throws EnvError naming BUNTIME_STORE when the URL or its options are refused (never quoting it: it holds the password) */
  constructor(url: string) {
    const parsed = URL.parse(url);
    if (!parsed) throw new EnvError("BUNTIME_STORE: is not a valid URL");
    parsed.password = "";
    this.name = `PostgreSQL ${parsed.host}${parsed.pathname}`;
    // connectionTimeout (seconds): a write to a database that is down answers 503 quickly.
    try {
      this.sql = new SQL(url, {
        max: 8,
        connectionTimeout: 3,
        idleTimeout: 30,
        connection: {
          statement_timeout: STATEMENT_TIMEOUT_MS,
          idle_in_transaction_session_timeout: STATEMENT_TIMEOUT_MS,
        },
      });
    } catch (error) {
      // Bun.SQL's messages name the option (`sslmode`) and redact the URL's credentials.
      throw new EnvError(`BUNTIME_STORE: ${error instanceof Error ? error.message : String(error)}`);
    }
  }

  connected(): boolean {
    return this.#connected;
  }

  onConnection(listener: (connected: boolean) => void): () => void {
    this.#connectionListeners.add(listener);
    return () => this.#connectionListeners.delete(listener);
  }

  /** Calls `listener` whenever any node notifies a change of `kind`. */
  onChange(kind: ChangeKind, listener: () => void): () => void {
    const set = this.#changeListeners.get(kind) ?? new Set();
    this.#changeListeners.set(kind, set);
    set.add(listener);
    return () => set.delete(listener);
  }

  /**
   * Starts listening (once). Resolves when subscribed; on failure it is retried by the next call
   * (the node calls it from its reconcile loop), so a database that is down at start is fine.
   */
  listen(): Promise<void> {
    this.#subscription ??= this.sql
      .listen(
        CHANNEL,
        (payload) => {
          for (const listener of this.#changeListeners.get(payload as ChangeKind) ?? []) listener();
        },
        // Runs on the first subscription and after every reconnect of the LISTEN connection:
        // after a reconnect, notifications sent meanwhile are lost, so every cache refreshes.
        () => {
          if (this.#listened) this.#changed();
          this.#listened = true;
          this.#mark(true);
        },
      )
      .catch((error: unknown) => {
        this.#subscription = undefined;
        this.#mark(false);
        throw unavailable(this.name, error);
      });
    return this.#subscription.then(() => undefined);
  }

  /**
   * Compares every kind's revision with the last one seen and notifies the kinds that moved: a
   * change whose NOTIFY was missed is caught by the next call (the node's sync calls it every
   * tick). The first call only records the revisions.
   */
  async poll(): Promise<void> {
    const rows = (await this.run((sql) => sql`SELECT kind, revision::text AS revision FROM buntime_revisions`)) as {
      kind: ChangeKind;
      revision: string;
    }[];
    const first = this.#revisions.size === 0;
    for (const { kind, revision } of rows) {
      const seen = this.#revisions.get(kind);
      this.#revisions.set(kind, revision);
      if (first || seen === revision) continue;
      for (const listener of this.#changeListeners.get(kind) ?? []) listener();
    }
  }

  /**
   * Runs `work` against the database: its connection failures become STORE_UNAVAILABLE and
   * update the connected state; a `StoreError` it throws itself passes through.
   */
  async run<T>(work: (sql: SQL) => Promise<T>): Promise<T> {
    if (this.#closed) throw new StoreError("STORE_UNAVAILABLE", `${this.name}: closed`);
    let timer: ReturnType<typeof setTimeout> | undefined;
    let late = false;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => {
        late = true;
        reject(new Error(`no answer within ${QUERY_TIMEOUT_MS} ms`));
      }, QUERY_TIMEOUT_MS);
    });
    try {
      const result = await Promise.race([work(committingInTime(this.sql, () => late)), timeout]);
      this.#mark(true);
      return result;
    } catch (error) {
      if (error instanceof StoreError && error.code !== "STORE_UNAVAILABLE") throw error;
      this.#mark(false);
      throw error instanceof StoreError ? error : unavailable(this.name, error);
    } finally {
      clearTimeout(timer);
    }
  }

  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    const subscription = await this.#subscription?.catch(() => undefined);
    await subscription?.unlisten().catch(() => {});
    await this.sql.close({ timeout: 1 }).catch(() => {});
  }

  #mark(connected: boolean): void {
    if (this.#connected === connected) return;
    this.#connected = connected;
    for (const listener of this.#connectionListeners) listener(connected);
    // Notifications sent while we were away are lost: every cache above refreshes.
    if (connected) this.#changed();
  }

  #changed(): void {
    for (const set of this.#changeListeners.values()) for (const listener of set) listener();
  }
}

function unavailable(name: string, error: unknown): StoreError {
  return new StoreError("STORE_UNAVAILABLE", `${name}: ${(error as Error)?.message ?? String(error)}`);
}

/** Bumps `kind`'s revision and notifies every node, inside the caller's transaction (sent on commit). */
export async function bump(tx: SQL, kind: ChangeKind): Promise<string> {
  const [row] =
    await tx`UPDATE buntime_revisions SET revision = revision + 1 WHERE kind = ${kind} RETURNING revision::text AS revision`;
  await tx.notify(CHANNEL, kind);
  return (row as { revision: string }).revision;
}

/**
 * `sql` whose transactions (`begin`) roll back instead of committing when their work ends after
 * `late()` turned true: the caller has answered 503 by then, so the write must not happen after
 * all. (Every statement is bounded by STATEMENT_TIMEOUT_MS; a transaction of several may still
 * outlast the client's bound.)
 */
function committingInTime(sql: SQL, late: () => boolean): SQL {
  return new Proxy(sql, {
    get(target, property) {
      if (property === "begin") {
        // begin(work) or begin(options, work): the work is the last argument.
        return (...args: unknown[]) => {
          const work = args.pop() as (tx: SQL) => Promise<unknown>;
          const inTime = async (tx: SQL) => {
            const result = await work(tx);
            if (late()) throw new Error(`the transaction ended after ${QUERY_TIMEOUT_MS} ms: rolled back`);
            return result;
          };
          return (target.begin as (...a: unknown[]) => Promise<unknown>)(...args, inTime);
        };
      }
      const value = Reflect.get(target, property);
      return typeof value === "function" ? value.bind(target) : value;
    },
  });
}
