/**
 * Exact least-recently-used order over keys. Hand-written on purpose: quick-lru keeps two
 * generations and evicts a whole generation at once, and its `get` does not refresh recency
 * within a generation; evicting workers needs the exact least recently used one.
 * A `Map` keeps insertion order, so delete + set moves a key to the most recent end.
 */
export class RecencyList<K> {
  #order = new Map<K, true>();

  /** Marks `key` as just used. */
  touch(key: K): void {
    this.#order.delete(key);
    this.#order.set(key, true);
  }

  delete(key: K): void {
    this.#order.delete(key);
  }

  /** Keys from least to most recently used. */
  oldestFirst(): IterableIterator<K> {
    return this.#order.keys();
  }

  get size(): number {
    return this.#order.size;
  }
}
