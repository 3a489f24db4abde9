/** @jsxImportSource hono/jsx */
/**
 * Sections shared by the overview and the app page: the live worker table, the lifecycle event
 * list and the charts. Server-rendered empty (or with the first snapshot); `client/live.ts` and
 * `client/charts.ts` keep them current from `/_/sse`.
 */
import type { WorkerSnapshot } from "../../pool/pool.ts";

/** The live workers, one row each (first snapshot; the client updates it every second). */
export function WorkerTable({ workers }: { workers: readonly WorkerSnapshot[] }) {
  return (
    <section aria-labelledby="workers-title">
      <h2 id="workers-title">Workers</h2>
      <table class="workers">
        <caption class="sr-only">Live workers per version; ended workers stay listed for a minute with why</caption>
        <thead>
          <tr>
            <th scope="col">Worker</th>
            <th scope="col">Version</th>
            <th scope="col">State</th>
            <th scope="col">Requests</th>
            <th scope="col">In flight</th>
            <th scope="col">Memory</th>
            <th scope="col">Age</th>
          </tr>
        </thead>
        <tbody id="workers">
          {workers.map((w) => (
            <tr data-worker={String(w.id)}>
              <td>{w.id}</td>
              <td>{`${w.app}@${w.version}`}</td>
              <td>{w.state}</td>
              <td>{w.requests}</td>
              <td>{w.inFlight}</td>
              <td>{w.memory.heapUsed ? `${(w.memory.heapUsed / 1048576).toFixed(1)} MB` : "–"}</td>
              <td>{`${Math.round(w.ageMs / 1000)} s`}</td>
            </tr>
          ))}
        </tbody>
      </table>
      <p id="workers-empty" class="muted" hidden={workers.length > 0}>
        No live worker: one starts with the first request to a version.
      </p>
    </section>
  );
}

/** The lifecycle events as they arrive (spawn, ready, recycle with reason, terminate, crash). */
export function EventList() {
  return (
    <section aria-labelledby="events-title">
      <h2 id="events-title">Lifecycle events</h2>
      <p id="stream-state" class="muted" role="status">
        Connecting to the live stream…
      </p>
      <ol id="events" class="events" aria-live="polite" />
    </section>
  );
}

/** The three charts (15 minutes, one point a second); `app` limits them to one app. */
export function Charts({ apps, app }: { apps: readonly string[]; app?: string }) {
  return (
    <section aria-labelledby="charts-title" class="charts-section">
      <h2 id="charts-title">Last 15 minutes{app ? ` · ${app}` : ""}</h2>
      {!app && (
        <p>
          <label for="chart-scope">Show </label>
          <select id="chart-scope">
            <option value="">all apps</option>
            {apps.map((name) => (
              <option value={name}>{name}</option>
            ))}
          </select>
        </p>
      )}
      <div class="charts">
        <figure>
          <figcaption>Requests per second</figcaption>
          <div class="chart" id="chart-rps" role="img" aria-label="Requests per second chart" />
        </figure>
        <figure>
          <figcaption>Latency p50 / p99 (ms)</figcaption>
          <div class="chart" id="chart-latency" role="img" aria-label="Latency chart, p50 and p99" />
        </figure>
        <figure>
          <figcaption>Errors per second by code</figcaption>
          <div class="chart" id="chart-errors" role="img" aria-label="Errors per second by code chart" />
        </figure>
      </div>
    </section>
  );
}
