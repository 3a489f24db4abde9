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
  /**
   * Read-modify-write as one step (the file's lock, a row lock in PostgreSQL): `mutate` gets the
   * policies as stored now and returns what to store, or undefined for no change; what it throws
   * is thrown here with nothing written. Two nodes changing at once never lose either's change.
   * @throws StoreError STORE_UNAVAILABLE, STORE_CORRUPT
   */
  update(mutate: (current: unknown) => readonly unknown[] | undefined): Promise<void>;
  /** Called after another writer (or this one) changed the policies; returns the unsubscribe function. */
  subscribe(listener: () => void): () => void;
}
