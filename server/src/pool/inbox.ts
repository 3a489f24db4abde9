/**
 * Characters of workers' posts the main thread reads as they come, in one window of
 * WINDOW_MS, before it leaves the rest for later turns: about a millisecond of `JSON.parse` in
 * ten. A busy hello worker's answers are far below it.
 */
export const WINDOW_CHARS = 1024 * 1024;
/** The window of WINDOW_CHARS. */
export const WINDOW_MS = 10;

/**
 * The most one worker's posts may hold while they wait (characters and bytes): a worker further
 * ahead of the host than this posts faster than the host can read, and is treated as crashed.
 * Four of the largest batch a sender makes (`protocol.ts`), so a legitimate burst (a broadcast
 * of a megabyte to a hundred sockets) fits.
 */
export const MAX_BACKLOG = 256 * 1024 * 1024;

/** Runs a task on a later turn of the event loop, after sockets were polled (`setImmediate`). */
export type Defer = (task: () => void) => void;

/**
 * What the main thread reads of all workers' posts as they come, shared by every inbox: at most
 * `limit` characters a window. The clock is read only once `limit` is spent, so the hot path (a
 * few hundred characters a post) pays an addition and a comparison, no timer: one `setImmediate`
 * a turn to reset a per-turn count cost about a microsecond per proxied request (measured).
 */
export class ReadBudget {
  readonly #limit: number;
  readonly #windowMs: number;
  readonly #now: () => number;
  #spent = 0;
  /** When the current window began: the first read, then each renewal. */
  #windowStart: number | undefined;

  constructor(limit = WINDOW_CHARS, windowMs = WINDOW_MS, now: () => number = () => performance.now()) {
    this.#limit = limit;
    this.#windowMs = windowMs;
    this.#now = now;
  }

  /** Spends `chars` when there is room (a new window once the last one is over); whether there was. */
  take(chars: number): boolean {
    if (this.#spent >= this.#limit) {
      const now = this.#now();
      if (now - (this.#windowStart ?? now) < this.#windowMs) return false;
      this.#windowStart = now;
      this.#spent = 0;
    }
    this.#windowStart ??= this.#now();
    this.#spent += chars;
    return true;
  }
}

const sharedBudget = new ReadBudget();

/** A task queued behind posts (`Inbox.after`): told apart from a post, which is never one. */
class After {
  constructor(readonly run: () => void) {}
}

export interface InboxOptions {
  /** Handles one post, in order; never throws. */
  handle: (post: unknown) => void;
  /** The backlog passed `maxBacklog` (once): the worker is to be treated as crashed. */
  onOverflow: (backlog: number) => void;
  budget?: ReadBudget;
  /** Characters one deferred turn reads of this inbox (at least one post). */
  turnChars?: number;
  maxBacklog?: number;
  defer?: Defer;
}

/**
 * One worker's posts on their way to its instance, taken fairly. Bun hands the main thread every
 * message its workers have queued before it next reads a socket, so a worker posting
 * well-formed messages faster than the host reads them (megabytes each, in a loop) held every
 * other app's requests: a hello waited 2 s behind 5,000 posts of 4 MiB (measured). An inbox
 * handles a post at once while the shared `ReadBudget` has room, which is the common case
 * (nothing queued, nothing delayed). Past it, posts wait here and are read a WINDOW_CHARS' worth
 * a turn, at least one post (`setImmediate`), the sockets read in between. Order is kept, `after` tasks (the worker's
 * error and close) included. Hand-written: Bun offers no way to pause a worker's messages.
 */
export class Inbox {
  readonly #o: Required<InboxOptions>;
  #queue: unknown[] = [];
  #head = 0;
  #backlog = 0;
  #scheduled = false;
  #refusing = false;

  constructor(options: InboxOptions) {
    this.#o = {
      budget: sharedBudget,
      turnChars: WINDOW_CHARS,
      maxBacklog: MAX_BACKLOG,
      defer: setImmediate,
      ...options,
    };
  }

  /** What waits, in characters and bytes. */
  get backlog(): number {
    return this.#backlog;
  }

  /** One post of the worker. */
  take(post: unknown): void {
    if (this.#refusing) return;
    if (this.#head === this.#queue.length && this.#o.budget.take(charsOf(post))) {
      this.#o.handle(post);
      return;
    }
    this.#backlog += sizeOf(post);
    if (this.#backlog > this.#o.maxBacklog) {
      this.#overflow();
      return;
    }
    this.#queue.push(post);
    this.#schedule();
  }

  /** Runs `task` once every post taken before it was handled (at once when none waits). */
  after(task: () => void): void {
    if (this.#head === this.#queue.length) task();
    else {
      this.#queue.push(new After(task));
      this.#schedule();
    }
  }

  #schedule(): void {
    if (this.#scheduled) return;
    this.#scheduled = true;
    this.#o.defer(() => this.#drain());
  }

  #drain(): void {
    this.#scheduled = false;
    const { turnChars, handle } = this.#o;
    let read = 0;
    while (this.#head < this.#queue.length) {
      const next = this.#queue[this.#head];
      if (next instanceof After) {
        this.#queue[this.#head++] = undefined;
        next.run();
        continue;
      }
      if (read > 0 && read >= turnChars) break; // at least one post a turn
      this.#queue[this.#head++] = undefined;
      this.#backlog -= sizeOf(next);
      read += charsOf(next);
      handle(next);
    }
    if (this.#head === this.#queue.length) {
      this.#queue = [];
      this.#head = 0;
    } else this.#schedule();
  }

  /** Drops what waits (the `after` tasks aside) and every later post. */
  #overflow(): void {
    const backlog = this.#backlog;
    this.#refusing = true;
    this.#queue = this.#queue.slice(this.#head).filter((entry) => entry instanceof After);
    this.#head = 0;
    this.#backlog = 0;
    this.#o.onOverflow(backlog);
  }
}

/** The text a post makes the host parse (a `Wire`: a string, or lines with buffers). */
function charsOf(post: unknown): number {
  if (typeof post === "string") return post.length;
  if (Array.isArray(post) && typeof post[0] === "string") return post[0].length;
  return 1;
}

/** What a waiting post holds: its text and its buffers. */
function sizeOf(post: unknown): number {
  let size = charsOf(post);
  if (Array.isArray(post) && Array.isArray(post[1])) {
    for (const buffer of post[1]) if (buffer instanceof ArrayBuffer) size += buffer.byteLength;
  }
  return size;
}
