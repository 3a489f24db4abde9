/**
 * Exact least-recently-used order over keys. Hand-written on purpose: quick-lru keeps two
 * generations and evicts a whole generation at once, and its `get` does not refresh recency
 * within a generation; evicting workers needs the exact least recently used one.
 * A `Map` keeps insertion order, so delete + set moves a key to the most recent end.
 */
export class RecencyList<K> {
  #order = new Map<K, true>();
  /** The most recently used key: touching it again changes nothing. */
  #newest: K | undefined;

  /**
   * Marks `key` as just used. A key that is the most recent already is left in place: the
   * same version requested again and again (the common case) then writes nothing per request.
   * Every delete and set of a `Map` that lives long leaves work for each young collection
   * (util/id-table.ts says what was measured).
   */
  touch(key: K): void {
    if (key === this.#newest) return;
    this.#order.delete(key);
    this.#order.set(key, true);
    this.#newest = key;
  }

  delete(key: K): void {
    this.#order.delete(key);
    if (key === this.#newest) this.#newest = undefined;
  }

  /** Keys from least to most recently used. */
  oldestFirst(): IterableIterator<K> {
    return this.#order.keys();
  }

  get size(): number {
    return this.#order.size;
  }
}
