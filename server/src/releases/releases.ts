/**
 * The node's view of the release store for routing (docs/releases.md): per app with something
 * set, its tags, `latest` and its compiled traffic split, in one map, so an unversioned request
 * to an app with nothing set costs one map lookup. Refreshed when the store says it changed
 * (`subscribe`), after every write made here, and by a poll (POLL_MS through the pool's clock)
 * that notices another process's or node's write: a change is effective everywhere within it.
 */
import type { Clock, TimerHandle } from "../pool/clock.ts";
import { type AppRelease, holderIn, type ReleaseStore } from "../store/releases.ts";
import { Coalesced } from "../util/coalesced.ts";
import type { Logger } from "../util/log.ts";
import { type CompiledSplit, compileSplit } from "./split.ts";

/** How often the store is read again for other writers' changes. */
export const POLL_MS = 1000;

/** What routing needs of one app's release state. */
export interface AppRoute {
  readonly tags: Readonly<Record<string, string>>;
  readonly latest: string | undefined;
  readonly split: CompiledSplit | undefined;
  /** The state it was compiled from. */
  readonly release: AppRelease;
}

function compile(release: AppRelease): AppRoute | undefined {
  if (release.traffic === null && Object.keys(release.tags).length === 0) return undefined;
  return {
    release,
    tags: release.tags,
    latest: release.tags.latest,
    split: release.traffic === null ? undefined : compileSplit(release.traffic),
  };
}

/** See the file's comment. One per server; `start()` to follow the store, `close()` to stop. */
export class Releases {
  readonly store: ReleaseStore;
  #routes = new Map<string, AppRoute>();
  #unsubscribe: (() => void) | undefined;
  #timer: TimerHandle | undefined;
  readonly #reads = new Coalesced(async () => {
    const apps = await this.store.list();
    const routes = new Map<string, AppRoute>();
    for (const [name, release] of apps) {
      const route = compile(release);
      if (route) routes.set(name, route);
    }
    this.#routes = routes;
  });
  readonly #clock: Clock;
  readonly #logger: Logger;

  constructor(store: ReleaseStore, options: { clock: Clock; logger: Logger }) {
    this.store = store;
    this.#clock = options.clock;
    this.#logger = options.logger;
  }

  /** Reads the store once, then follows it. */
  async start(): Promise<void> {
    await this.refresh().catch((error) => this.#failed(error));
    this.#unsubscribe ??= this.store.subscribe(() => void this.refresh().catch((error) => this.#failed(error)));
    const poll = () => {
      this.#timer = this.#clock.setTimeout(() => {
        void this.refresh()
          .catch((error) => this.#failed(error))
          .finally(() => this.#timer !== undefined && poll());
      }, POLL_MS);
    };
    poll();
  }

  /** Stops following the store. Idempotent. */
  close(): void {
    this.#unsubscribe?.();
    this.#unsubscribe = undefined;
    this.#clock.clearTimeout(this.#timer);
    this.#timer = undefined;
  }

  /** The routing state of `name`, or undefined when it has neither tags nor a split (the hot path). */
  route(name: string): AppRoute | undefined {
    return this.#routes.get(name);
  }

  /** What holds `version` of `name` (a tag or the split), for refusing its deletion; undefined when nothing. */
  holderOf(name: string, version: string): string | undefined {
    const route = this.#routes.get(name);
    return route && holderIn(route.release, version);
  }

  /** Reads the store again (coalesced: a call during a read makes one more read after it). */
  refresh(): Promise<void> {
    return this.#reads.call();
  }

  #failed(error: unknown): void {
    // The last state read keeps routing; the next poll tries again.
    this.#logger.warn("release store unreadable; routing keeps the last state read", { error: String(error) });
  }
}
