/**
 * The policy store: the validated entries in memory, over a backend that persists their JSON.
 * Every change runs through one queue, and takes effect in memory only once the backend has
 * stored it, so concurrent requests never interleave and a failed write changes nothing.
 */
import { BuntimeError } from "../../../../errors.ts";
import { formatIssues, type PolicyEntry, parseEntries } from "../pdp/index.ts";

/** Where the policies' JSON lives. */
export interface StoreBackend {
  /** For messages: the file path, or "memory". */
  readonly name: string;
  /** The stored JSON (an array of policies). @throws naming the source and the problem */
  read(): Promise<unknown>;
  /** Replaces the stored policies. */
  write(sources: readonly unknown[]): Promise<void>;
  /**
   * A store shared with other writers (other nodes) says when they changed it: the entries are
   * read again, and every change starts from a fresh read so that none overwrites another's.
   */
  subscribe?(listener: () => void): () => void;
  /**
   * Read-modify-write as one step against other writers (the shared store has it): `mutate`
   * gets the stored JSON and returns what to store, or undefined for no change.
   */
  update?(mutate: (current: unknown) => readonly unknown[] | undefined): Promise<void>;
}

export class PolicyStore {
  readonly #backend: StoreBackend;
  #entries: readonly PolicyEntry[] = [];
  #queue: Promise<unknown> = Promise.resolve();
  readonly #listeners: ((entries: readonly PolicyEntry[]) => void)[] = [];
  readonly #unsubscribe: (() => void) | undefined;

  constructor(backend: StoreBackend) {
    this.#backend = backend;
    // A notification that cannot be read (store down, invalid content) keeps the entries held:
    // the next notification or reconnect reads again.
    this.#unsubscribe = backend.subscribe?.(() => void this.load().catch(() => {}));
  }

  /** Stops following the backend's changes (shutdown). */
  close(): void {
    this.#unsubscribe?.();
  }

  /**
   * Reads and validates the stored policies.
   * @throws Error naming the source and the first problems: a corrupt or invalid store is never
   *   read as an empty policy set
   */
  load(): Promise<void> {
    return this.#serial(() => this.#read());
  }

  async #read(): Promise<void> {
    const raw = await this.#backend.read();
    const parsed = parseEntries(raw);
    if (!parsed.ok) throw new Error(`${this.#backend.name}: invalid policies: ${formatIssues(parsed.issues)}`);
    this.#commit(parsed.value);
  }

  /** Every entry, in store order. */
  list(): readonly PolicyEntry[] {
    return this.#entries;
  }

  get(id: string): PolicyEntry | undefined {
    return this.#entries.find((entry) => entry.id === id);
  }

  /** Called with the entries after every change (and after `load`). */
  subscribe(listener: (entries: readonly PolicyEntry[]) => void): void {
    this.#listeners.push(listener);
  }

  /** @throws BuntimeError POLICY_EXISTS when the id is taken */
  add(entry: PolicyEntry): Promise<void> {
    return this.#change((entries) => {
      if (entries.some((e) => e.id === entry.id)) {
        throw new BuntimeError("POLICY_EXISTS", `a policy with id "${entry.id}" already exists`);
      }
      return { next: [...entries, entry], result: undefined };
    });
  }

  /** Replaces the entry with the same id in place, or appends it. */
  put(entry: PolicyEntry): Promise<"created" | "replaced"> {
    return this.#change((entries) => {
      const index = entries.findIndex((e) => e.id === entry.id);
      if (index < 0) return { next: [...entries, entry], result: "created" as const };
      return { next: entries.map((e, i) => (i === index ? entry : e)), result: "replaced" as const };
    });
  }

  /** Whether there was an entry to remove. */
  remove(id: string): Promise<boolean> {
    return this.#change((entries) => {
      if (!entries.some((e) => e.id === id)) return { result: false };
      return { next: entries.filter((e) => e.id !== id), result: true };
    });
  }

  /** Waits for every queued change (tests, shutdown). */
  async settled(): Promise<void> {
    await this.#queue;
  }

  /** A shared store's current entries before a change (another node may have changed them). */
  async #fresh(): Promise<void> {
    if (this.#backend.subscribe) await this.#read();
  }

  /**
   * One change: `decide` gets the entries as stored now and returns the next ones (none: no
   * write) and the result. Over a backend with `update`, in its one step (another node's change
   * in between is never lost); else from a fresh read, then a write.
   */
  #change<T>(decide: (entries: readonly PolicyEntry[]) => { next?: readonly PolicyEntry[]; result: T }): Promise<T> {
    return this.#serial(async () => {
      const { update } = this.#backend;
      if (!update) {
        await this.#fresh();
        const { next, result } = decide(this.#entries);
        if (next) {
          await this.#backend.write(next.map((e) => e.source));
          this.#commit(next);
        }
        return result;
      }
      let outcome: { stored: readonly PolicyEntry[]; next?: readonly PolicyEntry[]; result: T } | undefined;
      await update.call(this.#backend, (raw) => {
        const parsed = parseEntries(raw);
        if (!parsed.ok) throw new Error(`${this.#backend.name}: invalid policies: ${formatIssues(parsed.issues)}`);
        const decided = decide(parsed.value);
        outcome = { stored: parsed.value, ...decided };
        return decided.next?.map((e) => e.source);
      });
      if (!outcome) throw new Error(`${this.#backend.name}: the update did not run`);
      this.#commit(outcome.next ?? outcome.stored);
      return outcome.result;
    });
  }

  #commit(next: readonly PolicyEntry[]): void {
    this.#entries = next;
    for (const listener of this.#listeners) listener(next);
  }

  #serial<T>(task: () => Promise<T>): Promise<T> {
    const run = this.#queue.then(task);
    this.#queue = run.catch(() => undefined);
    return run;
  }
}
