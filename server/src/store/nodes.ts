/** The node registry's interface (docs/cluster.md): each node heartbeats what it serves. */

/** One node as the store saw it last. */
export interface NodeRecord {
  id: string;
  /** ISO 8601: when the node started. */
  started: string;
  /** ISO 8601: its last heartbeat. */
  lastSeen: string;
  /** `name@version` of every version it holds (its cache). */
  versions: readonly string[];
}

export interface NodeStore {
  /** Records this node's heartbeat. @throws StoreError STORE_UNAVAILABLE */
  heartbeat(node: Omit<NodeRecord, "lastSeen">): Promise<void>;
  /** Nodes whose last heartbeat is at most `withinMs` old, by id. */
  list(withinMs: number): Promise<readonly NodeRecord[]>;
  /** Forgets a node (on a clean shutdown). */
  forget(id: string): Promise<void>;
}
