/**
 * The policy store's interface as the shared store offers it (authz's `store: "shared"`):
 * the policies as one JSON document. It has the shape of authz's `StoreBackend` plus `subscribe`,
 * so authz's `PolicyStore` runs over it unchanged.
 */
export interface PolicyDocStore {
  /** For messages: the file path, or the database. */
  readonly name: string;
  /** The stored policies (a JSON array), as stored now. */
  read(): Promise<unknown>;
  /** Replaces the stored policies and notifies every node. @throws StoreError STORE_UNAVAILABLE */
  write(sources: readonly unknown[]): Promise<void>;
  /** Called after another writer (or this one) changed the policies; returns the unsubscribe function. */
  subscribe(listener: () => void): () => void;
}
