/**
 * Helpers for the pool's integration tests (lifecycle, failures, properties): app versions
 * written on the fly, a recorder of the pool's lifecycle events, and timed requests.
 *
 * @example
 * const apps = tempAppsDir();
 * writeApp(apps.dir, "short-timeout", "slow", { timeout: 1 });
 * const server = await startTestServer({ APPS_DIR: apps.dir });
 * const events = recordEvents(server.pool.events);
 * const answer = await call(server.at("/short-timeout/?ms=3000"));
 */
import { cpSync, mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import type { PoolEmitter, PoolEvents } from "../server/src/pool/events.ts";
import type { WorkerPool } from "../server/src/pool/pool.ts";
import { eventually, FIXTURE_APPS } from "./_setup.ts";

/**
 * Writes `dir/<name>/<version>/` as a copy of fixture `from` (its 1.0.0) with `config` as its
 * `worker.jsonc`. Written before the server starts, the app is known at once; written later,
 * call `server.catalog.refresh()`.
 */
export function writeApp(dir: string, name: string, from: string, config: object, version = "1.0.0"): string {
  const target = join(dir, name, version);
  mkdirSync(join(dir, name), { recursive: true });
  cpSync(join(FIXTURE_APPS, from, "1.0.0"), target, { recursive: true });
  writeFileSync(join(target, "worker.jsonc"), JSON.stringify(config));
  return target;
}

/** Writes `dir/<name>/<version>/` with `index.ts` holding `code`, and `config` as its `worker.jsonc`. */
export function writeAppCode(dir: string, name: string, code: string, config: object = {}, version = "1.0.0"): string {
  const target = join(dir, name, version);
  mkdirSync(target, { recursive: true });
  writeFileSync(join(target, "index.ts"), code);
  writeFileSync(join(target, "worker.jsonc"), JSON.stringify(config));
  return target;
}

type Kind = keyof PoolEvents;
type Payload<K extends Kind> = PoolEvents[K][0];
const KINDS: Kind[] = ["spawn", "ready", "recycle", "terminate", "crash"];

/** One recorded lifecycle event, with `performance.now()` when it happened. */
export type Recorded = { kind: Kind; at: number; key: string; workerId: number; reason?: string; message?: string };

/** Records every lifecycle event of the pool until `stop()`. */
export class EventLog {
  readonly entries: Recorded[] = [];
  readonly #events: PoolEmitter;
  readonly #listeners = new Map<Kind, (payload: Payload<Kind>) => void>();

  constructor(events: PoolEmitter) {
    this.#events = events;
    for (const kind of KINDS) {
      const listener = (payload: Payload<Kind>) => this.entries.push({ kind, at: performance.now(), ...payload });
      this.#listeners.set(kind, listener);
      events.on(kind, listener);
    }
  }

  /** Recorded events of `kind`, optionally only those of app version `key` (`name@version`). */
  of(kind: Kind, key?: string): Recorded[] {
    return this.entries.filter((e) => e.kind === kind && (key === undefined || e.key === key));
  }

  /** Resolves with the first event of `kind` (recorded or still to come) that `match` accepts. */
  next(kind: Kind, match: (e: Recorded) => boolean = () => true, timeoutMs = 5000): Promise<Recorded> {
    const seen = this.of(kind).find(match);
    if (seen) return Promise.resolve(seen);
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.#events.off(kind, listener);
        reject(new Error(`no ${kind} event within ${timeoutMs} ms`));
      }, timeoutMs);
      const listener = () => {
        const hit = this.of(kind).find(match);
        if (!hit) return;
        clearTimeout(timer);
        this.#events.off(kind, listener);
        resolve(hit);
      };
      // Registered after the recorder's own listener, so the entry is already there.
      this.#events.on(kind, listener);
    });
  }

  stop(): void {
    for (const [kind, listener] of this.#listeners) this.#events.off(kind, listener);
  }
}

/** Starts recording `events`. */
export const recordEvents = (events: PoolEmitter): EventLog => new EventLog(events);

/** Resolves once `app` has a request in flight on a worker of `pool` (sent to it, not yet answered). */
export function whenInFlight(pool: WorkerPool, app: string): Promise<void> {
  return eventually(() => pool.snapshot().some((w) => w.app === app && w.inFlight > 0));
}

/** A finished request as the client saw it. */
export interface Answer {
  status: number;
  headers: Headers;
  // biome-ignore lint/suspicious/noExplicitAny: JSON of various apps and of runtime errors
  body: any;
  /** The runtime's error code when the answer is one. */
  code: string | undefined;
  sentAt: number;
  doneAt: number;
  /** Milliseconds from sending to the whole body read. */
  ms: number;
}

/** How `call` sends: `fetch`, or the emulator's in-process `emu.fetch`. */
export type Send = (url: string, init?: RequestInit) => Promise<Response>;

/** Fetches `url` (through `send`), reads the body (JSON when it parses) and times the trip. */
export async function call(url: string, init?: RequestInit, send: Send = fetch): Promise<Answer> {
  const sentAt = performance.now();
  const response = await send(url, init);
  const text = await response.text();
  const doneAt = performance.now();
  let body: unknown = text;
  try {
    body = JSON.parse(text);
  } catch {
    // not JSON: keep the text
  }
  const code = (body as { error?: { code?: string } } | null)?.error?.code;
  return { status: response.status, headers: response.headers, body, code, sentAt, doneAt, ms: doneAt - sentAt };
}

/** The `p`-th percentile (0–100) of `values`. */
export function percentile(values: number[], p: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  const index = Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1);
  return sorted[Math.max(0, index)] ?? Number.NaN;
}
