/**
 * The store (docs/cluster.md): the durable state the runtime owns, behind one interface with two
 * backends. `files` (the default, nothing to install) keeps one node's state in
 * `BUNTIME_DATA_DIR` and `APPS_DIR`; `postgres` (`BUNTIME_STORE=postgres://…`) is shared by every
 * node, and each node's `APPS_DIR` becomes its cache. A new kind of state is one more sub-store
 * here (an interface in its own file, a file and a PostgreSQL implementation).
 */
import type { DeploymentStore } from "./deployments.ts";
import type { KeyStore } from "./keys.ts";
import type { LeaseStore } from "./leases.ts";
import type { NodeStore } from "./nodes.ts";
import type { PolicyDocStore } from "./policies.ts";
import type { ReleaseStore } from "./releases.ts";

export interface Store {
  readonly kind: "files" | "postgres";
  /** For messages: the data folder, or the database (never its password). */
  readonly name: string;
  readonly keys: KeyStore;
  /** Policies for authz's `store: "shared"`. */
  readonly policies: PolicyDocStore;
  /** Shared deployments; undefined for `files`, where `APPS_DIR` is the truth. */
  readonly deployments: DeploymentStore | undefined;
  readonly nodes: NodeStore;
  readonly leases: LeaseStore;
  /** Tags, traffic splits and their history (docs/releases.md). */
  readonly releases: ReleaseStore;
  /**
   * Whether the store answered its last round trip (always true for files): a node reports it
   * and reconciles again when it turns true.
   */
  connected(): boolean;
  /** Called with `true`/`false` when the connection comes back or is lost. */
  onConnection(listener: (connected: boolean) => void): () => void;
  /**
   * Starts change notifications (PostgreSQL LISTEN), resolving once subscribed, and notifies any
   * kind of state whose revision moved since the last call without a notification having come
   * (one cheap query). A node calls it every sync tick. Nothing to do for files.
   * @throws StoreError STORE_UNAVAILABLE
   */
  listen(): Promise<void>;
  /** Closes connections and listeners. Idempotent. */
  close(): Promise<void>;
}
