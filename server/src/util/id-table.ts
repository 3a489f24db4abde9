/**
 * What is in flight, by numeric id (a worker's exchanges, a request's abort state): `get`, `set`,
 * `delete`, `size` and `values`, as the `Map` it replaces.
 *
 * Not a `Map` on purpose. Measured in Bun 1.4 (JavaScriptCore): a long-lived `Map` with number
 * keys that gains one entry and loses another for every request keeps what it lost reachable to
 * the collector's young (eden) collections, so every request's objects were promoted to the old
 * generation: 5 to 6.6 objects per request found as old garbage, counted with `bun:jsc`'s
 * `heapStats` after an eden and then a full collection, against 0.04 with this table (a worker's
 * exchange, its promise, its `Request` and `Response`). Old garbage is only reclaimed by full
 * collections, whose pauses and concurrent cycles were most of the proxy's tail latency
 * (bench/README.md, "Where the time goes"). Setting the value to `undefined` before deleting did
 * not help. An object keeps integer keys as indexed properties.
 */
export class IdTable<T extends NonNullable<unknown> | null> {
  #entries: Record<number, T | undefined> = Object.create(null);
  #size = 0;

  get size(): number {
    return this.#size;
  }

  get(id: number): T | undefined {
    return this.#entries[id];
  }

  has(id: number): boolean {
    return this.#entries[id] !== undefined;
  }

  /** Adds or replaces `id`'s value (`undefined` is not a value here: the type refuses it). */
  set(id: number, value: T): void {
    if (this.#entries[id] === undefined) this.#size++;
    this.#entries[id] = value;
  }

  /** Removes `id`; false when it was not there. */
  delete(id: number): boolean {
    if (this.#entries[id] === undefined) return false;
    delete this.#entries[id];
    this.#size--;
    return true;
  }

  clear(): void {
    this.#entries = Object.create(null);
    this.#size = 0;
  }

  /** The value with the lowest id (ids handed out in order: the oldest), or undefined when empty. */
  first(): T | undefined {
    for (const id in this.#entries) return this.#entries[id as unknown as number];
    return undefined;
  }

  /** The values, in ascending id order (a copy: the table may change while they are used). */
  values(): T[] {
    return Object.values(this.#entries) as T[];
  }

  /** `[id, value]` pairs, in ascending id order (a copy, as `values`). */
  entries(): [number, T][] {
    return Object.entries(this.#entries).map(([id, value]) => [Number(id), value as T]);
  }
}
