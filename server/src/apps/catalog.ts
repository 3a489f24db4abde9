import { existsSync, type FSWatcher, readdirSync, statSync, watch } from "node:fs";
import { join, sep } from "node:path";
import QuickLRU from "quick-lru";
import { BuntimeError } from "../errors.ts";
import type { Logger } from "../util/log.ts";
import { WORKER_CONFIG_FILES } from "../util/worker-config-files.ts";
import { type AppVersion, loadAppVersion } from "./config.ts";
import {
  isAppChange,
  isAppName,
  isVersionFolder,
  MAX_RANGE_LENGTH,
  type Resolution,
  resolveVersion,
} from "./resolve.ts";
import { splitKey, type VersionKey, versionKey } from "./version-key.ts";

/**
 * The most range resolutions the catalogue holds. Clients choose the range strings, so the cache
 * is an LRU: a flood of distinct ranges evicts old ones instead of growing memory.
 */
export const RESOLUTIONS_KEPT = 1000;

export interface CatalogOptions {
  logger: Logger;
  /** Fallback poll period for when the watcher misses events. Default 1000 ms. */
  pollMs?: number;
  /** Config fields that win over a version's own file (the emulator's per-version overrides). */
  configOverride?: (name: string, version: string) => Record<string, unknown> | undefined;
}

type Listener = (key: VersionKey) => void;
interface LoadEntry {
  promise: Promise<AppVersion>;
  mtimes: string;
  /** Set once `promise` has resolved. */
  value: AppVersion | undefined;
}

/**
 * The apps on disk: `APPS_DIR/<name>/<version>/`. Requests resolve against an in-memory index;
 * the disk is read again only when a watcher event or the cheap fallback poll (directory
 * listings and config mtimes, no deep walk) says something changed.
 */
export class AppCatalog {
  readonly root: string;
  readonly #logger: Logger;
  readonly #pollMs: number;
  readonly #override: CatalogOptions["configOverride"];
  #apps = new Map<string, string[]>();
  #signature = "";
  // quick-lru holds between maxSize and twice maxSize entries (two generations): half the bound.
  #resolutions = new QuickLRU<string, Resolution>({ maxSize: RESOLUTIONS_KEPT / 2 });
  #loads = new Map<VersionKey, LoadEntry>();
  /** Paths the last listing warned about: each is warned once while it stays on disk. */
  #warned = new Set<string>();
  /** Paths the listing in progress finds wrong; replaces `#warned`, so a removed path is forgotten. */
  #wrongNow = new Set<string>();
  #listeners = new Set<Listener>();
  #watcher: FSWatcher | undefined;
  #poll: ReturnType<typeof setInterval> | undefined;
  #debounce: ReturnType<typeof setTimeout> | undefined;
  #dirtyKeys = new Set<VersionKey>();

  constructor(root: string, options: CatalogOptions) {
    this.root = root;
    this.#logger = options.logger;
    this.#pollMs = options.pollMs ?? 1000;
    this.#override = options.configOverride;
    this.refresh();
  }

  /** Starts watching the disk. */
  watch(): void {
    if (this.#poll) return;
    try {
      this.#watcher = watch(this.root, { recursive: true }, (_event, file) => this.#onWatchEvent(file));
      this.#watcher.on("error", () => this.#closeWatcher());
    } catch (error) {
      this.#logger.warn("apps watcher unavailable; polling only", { error: String(error) });
    }
    this.#poll = setInterval(() => this.#pollOnce(), this.#pollMs);
    this.#poll.unref?.();
  }

  /** Stops watching. Idempotent. */
  close(): void {
    this.#closeWatcher();
    clearInterval(this.#poll);
    clearTimeout(this.#debounce);
    this.#poll = undefined;
  }

  /** Called with a version's key whenever its files change or it disappears. */
  onChange(listener: Listener): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  /** App names, sorted. */
  names(): string[] {
    return [...this.#apps.keys()].sort();
  }

  /** The versions of `name` on disk, or undefined when there is no such app. */
  versions(name: string): readonly string[] | undefined {
    return this.#apps.get(name);
  }

  /** Whether `name@version` is on disk now. */
  has(name: string, version: string): boolean {
    return this.#apps.get(name)?.includes(version) ?? false;
  }

  /**
   * Resolves a range against `name`'s versions (undefined: no such app); cached (for names on
   * disk only, at most RESOLUTIONS_KEPT, recently used first) until the catalogue changes.
   */
  resolve(name: string, range: string | undefined): Resolution | undefined {
    const versions = this.#apps.get(name);
    if (versions === undefined) return undefined;
    // Over-long ranges are refused without parsing: not cached, so a cached key stays small.
    if (range !== undefined && range.length > MAX_RANGE_LENGTH) return resolveVersion(versions, range);
    // "No range" and an empty range differ (the second is INVALID_VERSION): distinct keys.
    const cacheKey = range === undefined ? `${name}\u0001` : `${name}\u0000${range}`;
    let resolution = this.#resolutions.get(cacheKey);
    if (resolution === undefined) {
      resolution = resolveVersion(versions, range);
      this.#resolutions.set(cacheKey, resolution);
    }
    return resolution;
  }

  /** How many range resolutions the cache holds now, at most RESOLUTIONS_KEPT (for tests). */
  get resolutionsHeld(): number {
    // quick-lru's `size` is capped at maxSize; counting its entries tells what it really holds.
    let held = 0;
    for (const _ of this.#resolutions.keys()) held++;
    return held;
  }

  /** Loads (once, until it changes on disk) a version's config and entrypoint. */
  load(name: string, version: string): Promise<AppVersion> {
    const key = versionKey(name, version);
    const cached = this.#loads.get(key);
    if (cached) return cached.promise;
    const dir = join(this.root, name, version);
    const promise = loadAppVersion(name, version, dir, this.#override?.(name, version));
    const entry: LoadEntry = { promise, mtimes: this.#configMtimes(dir), value: undefined };
    this.#loads.set(key, entry);
    promise.then(
      (app) => {
        entry.value = app;
      },
      () => {},
    );
    return promise;
  }

  /** The loaded version, when it is loaded already: the hot path then needs no promise. */
  loaded(name: string, version: string): AppVersion | undefined {
    return this.#loads.get(versionKey(name, version))?.value;
  }

  /**
   * The version of `name` that `range` (undefined: none given) resolves to on disk now, loaded:
   * synchronous when it is loaded already (the hot path), a promise while it loads. Requests
   * resolve through it, and so does the pool when a waiting request's version was replaced.
   * @throws BuntimeError APP_NOT_FOUND, INVALID_VERSION or VERSION_NOT_FOUND
   */
  resolveApp(name: string, range: string | undefined): AppVersion | Promise<AppVersion> {
    const resolution = this.resolve(name, range);
    if (resolution === undefined) throw new BuntimeError("APP_NOT_FOUND", `no app named "${name}"`);
    if (!resolution.ok) {
      throw resolution.code === "INVALID_VERSION"
        ? new BuntimeError("INVALID_VERSION", `"${range}" is not a version or range`)
        : new BuntimeError("VERSION_NOT_FOUND", `${name} has no version matching "${range ?? "*"}"`);
    }
    return this.loaded(name, resolution.version) ?? this.load(name, resolution.version);
  }

  /** Forgets a version's loaded config so the next request reads it again, and tells listeners. */
  invalidate(key: VersionKey): void {
    this.#invalidate(key);
  }

  /** Re-reads the directory listing now; notifies listeners of versions that went away. */
  refresh(): void {
    const next = new Map<string, string[]>();
    this.#wrongNow = new Set();
    for (const name of this.#list(this.root)) {
      if (name.startsWith(".")) continue; // dotfiles, deployments' staging folder
      const appDir = join(this.root, name);
      if (!isAppName(name)) {
        this.#warnOnce(appDir, `ignoring "${name}" in APPS_DIR: not a valid app name`);
        continue;
      }
      if (!statSafe(appDir)?.isDirectory()) {
        this.#warnOnce(appDir, `ignoring "${name}" in APPS_DIR: not a folder`);
        continue;
      }
      const versions: string[] = [];
      for (const version of this.#list(appDir)) {
        const dir = join(appDir, version);
        if (version.startsWith(".")) continue; // staging folders of deployments, dotfiles
        if (!isVersionFolder(version) || !statSafe(dir)?.isDirectory()) {
          this.#warnOnce(dir, `ignoring "${name}/${version}": not a semver version folder`);
          continue;
        }
        versions.push(version);
      }
      if (versions.length > 0) next.set(name, versions);
    }
    this.#warned = this.#wrongNow;
    const signature = JSON.stringify([...next]);
    if (signature === this.#signature) return;
    const gone: VersionKey[] = [];
    for (const [name, versions] of this.#apps) {
      const still = next.get(name);
      for (const version of versions) {
        if (!still?.includes(version)) gone.push(versionKey(name, version));
      }
    }
    this.#apps = next;
    this.#signature = signature;
    this.#resolutions.clear();
    for (const key of gone) this.#invalidate(key);
  }

  #onWatchEvent(file: string | null): void {
    if (file) {
      const [name, version, ...rest] = file.split(sep);
      if (rest.length > 0 && !isAppChange(rest.join(sep))) return;
      if (name && version && rest.length > 0) this.#dirtyKeys.add(versionKey(name, version));
    }
    clearTimeout(this.#debounce);
    this.#debounce = setTimeout(() => {
      const keys = [...this.#dirtyKeys];
      this.#dirtyKeys.clear();
      this.refresh();
      for (const key of keys) this.#invalidate(key);
    }, 50);
  }

  #pollOnce(): void {
    this.refresh();
    for (const [key, entry] of this.#loads) {
      const [name, version] = splitKey(key);
      if (this.#configMtimes(join(this.root, name, version)) !== entry.mtimes) this.#invalidate(key);
    }
  }

  #invalidate(key: VersionKey): void {
    this.#loads.delete(key);
    for (const listener of this.#listeners) listener(key);
  }

  #configMtimes(dir: string): string {
    return WORKER_CONFIG_FILES.map((file) => statSafe(join(dir, file))?.mtimeMs ?? 0).join(",");
  }

  #list(dir: string): string[] {
    try {
      return readdirSync(dir);
    } catch {
      if (dir === this.root && !existsSync(dir)) this.#warnOnce(dir, `APPS_DIR ${dir} does not exist`);
      return [];
    }
  }

  #warnOnce(path: string, message: string): void {
    this.#wrongNow.add(path);
    if (this.#warned.has(path)) return;
    this.#logger.warn(message, { path });
  }

  #closeWatcher(): void {
    this.#watcher?.close();
    this.#watcher = undefined;
  }
}

function statSafe(path: string) {
  try {
    return statSync(path);
  } catch {
    return undefined;
  }
}
