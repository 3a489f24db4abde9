/**
 * The live part of a page: one EventSource on `/_/sse` (no polling) feeding the worker table,
 * the lifecycle event list and the charts. The browser reconnects by itself if the stream drops.
 */
import { Charts } from "./charts.ts";
import { byId, el, maybeId } from "./dom.ts";
import { StatsHistory } from "./history.ts";
import type { SecondFigures, StatsEvent, WorkerEvent } from "./stats-types.ts";
import { WorkerTable } from "./worker-table.ts";

/** Lifecycle events kept in the list (the newest first). */
const EVENTS_KEPT = 200;

export function startLive(app: string | undefined): void {
  const table = new WorkerTable(app);
  const history = new StatsHistory();
  const charts = new Charts();
  const events = byId<HTMLOListElement>("events");
  const streamState = byId("stream-state");
  const scope = maybeId<HTMLSelectElement>("chart-scope");
  const chosen = () => app ?? (scope?.value || undefined);
  scope?.addEventListener("change", () => charts.draw(history.series(chosen())));

  // The last 15 minutes for every app together, before the live seconds.
  if (app === undefined) {
    void fetch("/_/dashboard/history", { credentials: "same-origin" })
      .then((res) => (res.ok ? (res.json() as Promise<{ seconds: SecondFigures[] }>) : undefined))
      .then((body) => {
        if (!body) return;
        history.addSeconds(body.seconds);
        charts.draw(history.series(chosen()));
      })
      .catch(() => undefined);
  }

  const source = new EventSource("/_/sse");
  source.addEventListener("open", () => {
    streamState.textContent = "Live";
  });
  source.addEventListener("error", () => {
    // CLOSED: the server refused the stream (an HTTP error, e.g. a session gone with a restart),
    // and EventSource does not retry that; otherwise it reconnects by itself.
    streamState.textContent =
      source.readyState === EventSource.CLOSED
        ? "Disconnected: reload the page (you may need to sign in again)"
        : "Disconnected: reconnecting…";
  });
  source.addEventListener("stats", (message) => {
    const stats = JSON.parse((message as MessageEvent<string>).data) as StatsEvent;
    table.snapshot(stats.liveWorkers ?? []);
    history.add(stats);
    charts.draw(history.series(chosen()));
  });
  source.addEventListener("worker", (message) => {
    const event = JSON.parse((message as MessageEvent<string>).data) as WorkerEvent;
    table.event(event);
    const app_ = event.key.slice(0, event.key.lastIndexOf("@"));
    if (app !== undefined && app_ !== app) return;
    const item = el("li", describe(event), event.type);
    events.prepend(item);
    while (events.childElementCount > EVENTS_KEPT) events.lastElementChild?.remove();
  });
}

function describe(event: WorkerEvent): string {
  const time = new Date().toLocaleTimeString();
  const what = `${time} ${event.type} ${event.key} #${event.workerId}`;
  if (event.type === "recycle" || event.type === "terminate") return `${what}: ${event.reason ?? ""}`;
  if (event.type === "crash") return `${what}: ${event.message ?? ""}`;
  if (event.type === "ready" && event.startMs !== undefined) return `${what} in ${Math.round(event.startMs)} ms`;
  return what;
}
