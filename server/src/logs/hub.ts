/**
 * Host side of logs (docs/logs.md): the last LINES_KEPT lines per app (fewer when they are long:
 * CHARS_KEPT), in a ring, for apps that exist (a line of an app no longer on disk is not kept,
 * and its ring goes at the next line of another), the lines dropped per app, and live
 * subscribers for `follow`.
 */
import { splitKey, type VersionKey } from "../apps/version-key.ts";
import type { PoolEmitter } from "../pool/events.ts";
import { LOG_LEVELS, type LogLevel, type LogLine } from "../protocol/log-message.ts";

/** Lines kept per app. */
export const LINES_KEPT = 1000;
/**
 * Characters of messages kept per app: with long lines (up to 8 KiB each) fewer than
 * LINES_KEPT are kept, so an app's ring holds at most about 1 Mi characters (2 MB as JS
 * strings) whatever it prints.
 */
export const CHARS_KEPT = 1024 * 1024;

/** One line as `/_/logs` shows it. */
export interface AppLogLine {
  app: string;
  version: string;
  worker: number;
  level: LogLevel;
  /** ISO 8601. */
  time: string;
  requestId?: string;
  traceparent?: string;
  message: string;
}

/** Which lines a reader wants: an app, optionally one version, and a lowest level. */
export interface LogFilter {
  app: string;
  version?: string;
  level?: LogLevel;
}

/** Whether `line` passes `filter`. */
export function matches(line: AppLogLine, filter: LogFilter): boolean {
  if (line.app !== filter.app) return false;
  if (filter.version !== undefined && line.version !== filter.version) return false;
  return filter.level === undefined || LOG_LEVELS.indexOf(line.level) >= LOG_LEVELS.indexOf(filter.level);
}

/** A ring of at most LINES_KEPT lines and CHARS_KEPT characters: pushing past either drops the oldest. */
export class Ring {
  readonly #items: (AppLogLine | undefined)[] = new Array(LINES_KEPT);
  #next = 0;
  #size = 0;
  #chars = 0;

  push(line: AppLogLine): void {
    if (this.#size === LINES_KEPT) this.#dropOldest();
    this.#items[this.#next] = line;
    this.#next = (this.#next + 1) % LINES_KEPT;
    this.#size++;
    this.#chars += line.message.length;
    while (this.#chars > CHARS_KEPT && this.#size > 1) this.#dropOldest();
  }

  get size(): number {
    return this.#size;
  }

  #dropOldest(): void {
    const oldest = (this.#next - this.#size + LINES_KEPT) % LINES_KEPT;
    this.#chars -= (this.#items[oldest] as AppLogLine).message.length;
    this.#items[oldest] = undefined;
    this.#size--;
  }

  /** Oldest first. */
  *[Symbol.iterator](): Generator<AppLogLine> {
    const start = (this.#next - this.#size + LINES_KEPT) % LINES_KEPT;
    for (let i = 0; i < this.#size; i++) yield this.#items[(start + i) % LINES_KEPT] as AppLogLine;
  }
}

type Listener = (line: AppLogLine) => void;

/** See the file's comment. One per server. */
export class LogHub {
  readonly #rings = new Map<string, Ring>();
  readonly #dropped = new Map<string, number>();
  readonly #listeners = new Map<string, Set<Listener>>();
  readonly #everyApp = new Set<Listener>();
  readonly #exists: (app: string) => boolean;
  #lines = 0;

  /** `exists`: whether an app is on disk now (the catalogue). */
  constructor(events: PoolEmitter, exists: (app: string) => boolean) {
    this.#exists = exists;
    events.on("log", ({ key, workerId, lines, dropped }) => this.#take(key, workerId, lines, dropped));
  }

  /** The kept lines passing `filter`, oldest first. */
  lines(filter: LogFilter): AppLogLine[] {
    const ring = this.#rings.get(filter.app);
    if (!ring) return [];
    return [...ring].filter((line) => matches(line, filter));
  }

  /** Calls `listener` with every new line of `app`; returns the unsubscribe function. */
  follow(app: string, listener: Listener): () => void {
    let set = this.#listeners.get(app);
    if (!set) {
      set = new Set();
      this.#listeners.set(app, set);
    }
    set.add(listener);
    return () => {
      set.delete(listener);
      if (set.size === 0 && this.#listeners.get(app) === set) this.#listeners.delete(app);
    };
  }

  /** Calls `listener` with every new line of every app (the emulator's `serve` prints them). */
  followAll(listener: Listener): () => void {
    this.#everyApp.add(listener);
    return () => this.#everyApp.delete(listener);
  }

  /** Drops `app`'s kept lines and dropped count: its last version left the disk. */
  forget(app: string): void {
    this.#rings.delete(app);
    this.#dropped.delete(app);
  }

  /** For `/_/stats`: lines taken, and lines dropped per app (over their worker's rate). */
  toJSON() {
    return { lines: this.#lines, dropped: Object.fromEntries(this.#dropped) };
  }

  #take(key: VersionKey, worker: number, lines: readonly LogLine[], dropped: number): void {
    const [app, version] = splitKey(key);
    if (!this.#exists(app)) return;
    if (dropped > 0) this.#dropped.set(app, (this.#dropped.get(app) ?? 0) + dropped);
    if (lines.length === 0) return;
    let ring = this.#rings.get(app);
    if (!ring) {
      this.#forgetGone();
      ring = new Ring();
      this.#rings.set(app, ring);
    }
    const listeners = this.#listeners.get(app);
    for (const line of lines) {
      const out: AppLogLine = {
        app,
        version,
        worker,
        level: line.level,
        time: new Date(line.time).toISOString(),
        message: line.message,
      };
      if (line.requestId !== undefined) out.requestId = line.requestId;
      if (line.traceparent !== undefined) out.traceparent = line.traceparent;
      ring.push(out);
      this.#lines++;
      if (listeners) for (const listener of listeners) listener(out);
      for (const listener of this.#everyApp) listener(out);
    }
  }

  /** Drops the rings and counts of apps no longer on disk (when a new app's ring is made). */
  #forgetGone(): void {
    for (const app of this.#rings.keys()) if (!this.#exists(app)) this.#rings.delete(app);
    for (const app of this.#dropped.keys()) if (!this.#exists(app)) this.#dropped.delete(app);
  }
}
