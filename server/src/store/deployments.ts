/**
 * The deployment store's interface (docs/cluster.md): with a shared store, deployments live there
 * (each archive once, content-addressed by sha256, plus a metadata row per version) and every
 * node's `APPS_DIR` is a cache of it. Without one, `APPS_DIR` itself is the truth and there is
 * no deployment store.
 */

/** One deployed version as the store lists it: metadata only, never the archive. */
export interface DeploymentRecord {
  name: string;
  version: string;
  /** sha256 of the archive, hex: what a node compares to know whether its copy is current. */
  sha256: string;
  /** The archive's format, as uploaded. */
  kind: "tar.gz" | "zip";
  /** ISO 8601. */
  created: string;
}

/** An archive on its way into the store. */
export interface DeploymentArchive {
  sha256: string;
  kind: "tar.gz" | "zip";
  bytes: Uint8Array;
}

/** Deployments in a shared store. */
export interface DeploymentStore {
  /**
   * A cheap token that changes whenever a deployment is added, replaced or removed: a node
   * compares it with the last one it synced before listing anything.
   * @throws StoreError STORE_UNAVAILABLE
   */
  revision(): Promise<string>;
  /** Every version (metadata only), with the revision it was read at. */
  list(): Promise<{ revision: string; records: readonly DeploymentRecord[] }>;
  /** The archive of `sha256`, or undefined if no version holds it any more. */
  archive(sha256: string): Promise<DeploymentArchive | undefined>;
  /**
   * Stores archive and metadata in one transaction, then notifies every node.
   * `replace` false: the unique (name, version) key decides between two nodes at once.
   * @throws StoreError DEPLOYMENT_EXISTS (replace false), STORE_UNAVAILABLE
   */
  put(name: string, version: string, archive: DeploymentArchive, replace: boolean): Promise<{ created: boolean }>;
  /** Removes a version (and its archive once no version holds it); whether there was one. */
  remove(name: string, version: string): Promise<boolean>;
  /** Called after any node changed the deployments; returns the unsubscribe function. */
  subscribe(listener: () => void): () => void;
}
