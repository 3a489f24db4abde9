/**
 * Bounds the open event streams of one route (`/_/sse`, `/_/logs?follow=1`): each costs a
 * socket, listeners and, for `/_/sse`, a stats snapshot a second, so a caller opening streams
 * without end would cost the server without end. Past a caller's share, that caller's oldest
 * stream is ended; past the total, the oldest of all. Ending the oldest (rather than refusing the
 * newest) keeps the stream a person is looking at: an `EventSource` whose stream ended reconnects.
 */

/** Streams one caller (a key's name, `admin-token`, an OIDC subject) may hold open on one route. */
export const STREAMS_PER_CALLER = 16;

/** Streams open at once on one route, every caller counted. */
export const STREAMS_TOTAL = 256;

interface Slot {
  caller: string;
  end: () => void;
}

/** See the file's comment. One per route. */
export class StreamSlots {
  /** Open streams, oldest first (a Set keeps insertion order). */
  readonly #open = new Set<Slot>();

  constructor(
    readonly perCaller = STREAMS_PER_CALLER,
    readonly total = STREAMS_TOTAL,
  ) {}

  /**
   * Takes a slot for a new stream of `caller` (undefined: an anonymous reader, with nothing
   * configured), first ending what is over the bounds with `end` of the streams it ends.
   * Returns the release, to call once the stream is over (more than once is harmless).
   */
  take(caller: string | undefined, end: () => void): () => void {
    const slot: Slot = { caller: caller ?? "", end };
    const mine = [...this.#open].filter((open) => open.caller === slot.caller);
    if (mine.length >= this.perCaller) this.#end(mine[0] as Slot);
    if (this.#open.size >= this.total) this.#end(this.#open.values().next().value as Slot);
    this.#open.add(slot);
    return () => this.#open.delete(slot);
  }

  get size(): number {
    return this.#open.size;
  }

  #end(slot: Slot): void {
    this.#open.delete(slot);
    slot.end();
  }
}
