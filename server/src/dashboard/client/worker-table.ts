/**
 * The live worker table: rebuilt from each `stats` event's `liveWorkers`, plus a row as soon as
 * a `spawn` event arrives. A worker that was recycled, terminated or crashed stays listed for
 * ENDED_KEPT_MS, greyed, with why, so a recycle is seen even between two snapshots.
 */
import { byId, el } from "./dom.ts";
import type { LiveWorker, WorkerEvent } from "./stats-types.ts";

const ENDED_KEPT_MS = 60_000;
/** Ended rows shown at most (the newest): a busy pool recycles often, live rows come first. */
const ENDED_SHOWN = 12;

interface Ended {
  key: string;
  state: string;
  at: number;
  /** Its requests in the last snapshot that listed it (unknown for one that lived between two). */
  requests: number | undefined;
}

export class WorkerTable {
  readonly #body = byId<HTMLTableSectionElement>("workers");
  readonly #empty = byId("workers-empty");
  readonly #app: string | undefined;
  #live: LiveWorker[] = [];
  /** Spawned but not yet in a snapshot. */
  readonly #spawned = new Map<number, string>();
  readonly #ended = new Map<number, Ended>();

  constructor(app: string | undefined) {
    this.#app = app;
  }

  /** A new snapshot from a `stats` event. */
  snapshot(workers: LiveWorker[]): void {
    this.#live = workers.filter((w) => this.#mine(w.app));
    for (const w of this.#live) this.#spawned.delete(w.id);
    this.#render();
  }

  /** A lifecycle event: a spawn adds a row at once, an end marks it with why. */
  event(event: WorkerEvent): void {
    const app = event.key.slice(0, event.key.lastIndexOf("@"));
    if (!this.#mine(app)) return;
    if (event.type === "spawn") this.#spawned.set(event.workerId, event.key);
    if (event.type === "recycle" || event.type === "terminate" || event.type === "crash") {
      const last = this.#live.find((w) => w.id === event.workerId);
      const prior = this.#ended.get(event.workerId);
      // A recycle is followed by its terminate: keep the recycle's reason, which says why.
      const state =
        prior && event.type === "terminate"
          ? prior.state
          : event.type === "crash"
            ? `crashed: ${event.message ?? ""}`
            : `${event.type === "recycle" ? "recycled" : "terminated"}: ${event.reason ?? ""}`;
      this.#ended.set(event.workerId, {
        key: event.key,
        state,
        at: Date.now(),
        requests: last?.requests ?? prior?.requests ?? 0,
      });
      this.#spawned.delete(event.workerId);
    }
    this.#render();
  }

  #mine(app: string): boolean {
    return this.#app === undefined || app === this.#app;
  }

  #render(): void {
    const now = Date.now();
    for (const [id, ended] of this.#ended) if (now - ended.at > ENDED_KEPT_MS) this.#ended.delete(id);
    const rows: HTMLTableRowElement[] = [];
    const live = [...this.#live].sort(
      (a, b) => `${a.app}@${a.version}`.localeCompare(`${b.app}@${b.version}`) || a.id - b.id,
    );
    for (const w of live) {
      if (this.#ended.has(w.id)) continue;
      rows.push(
        row(w.id, [
          `${w.app}@${w.version}`,
          w.state,
          String(w.requests),
          String(w.inFlight),
          megabytes(w.memory.heapUsed),
          `${Math.round(w.ageMs / 1000)} s`,
        ]),
      );
    }
    for (const [id, key] of this.#spawned) {
      if (!this.#ended.has(id)) rows.push(row(id, [key, "starting", "0", "0", "–", "0 s"]));
    }
    const ended = [...this.#ended].sort(([, a], [, b]) => b.at - a.at).slice(0, ENDED_SHOWN);
    for (const [id, { key, state, requests }] of ended) {
      const r = row(id, [key, state, requests ? String(requests) : "–", "0", "–", "–"]);
      r.className = "ended";
      rows.push(r);
    }
    this.#body.replaceChildren(...rows);
    this.#empty.hidden = rows.length > 0;
  }
}

function row(id: number, cells: string[]): HTMLTableRowElement {
  const tr = el("tr");
  tr.dataset.worker = String(id);
  tr.append(el("td", String(id)), ...cells.map((text) => el("td", text)));
  return tr;
}

function megabytes(bytes: number | undefined): string {
  return bytes ? `${(bytes / 1048576).toFixed(1)} MB` : "–";
}
