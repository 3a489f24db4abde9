/**
 * Leases (for schedules: one node runs a due job): a named lock held by one holder until it
 * expires or is released. In the file store it is held within this process only.
 */
export interface LeaseStore {
  /**
   * Takes or renews `name` for `holder` for `ttlMs` when it is free, expired or already the
   * holder's; whether the holder now has it.
   * @throws StoreError STORE_UNAVAILABLE
   */
  acquire(name: string, holder: string, ttlMs: number): Promise<boolean>;
  /** Gives `name` up if `holder` has it. */
  release(name: string, holder: string): Promise<void>;
}
