/** @jsxImportSource hono/jsx */
/**
 * The overview (`/_/dashboard`): every app with its versions (and its tags and traffic split
 * when the releases routes answer: `client/releases.ts` fills those cells), the live workers,
 * the lifecycle events and the charts.
 */
import type { WorkerSnapshot } from "../../pool/pool.ts";
import type { Viewer } from "../viewer.ts";
import { Layout } from "./layout.tsx";
import { Charts, EventList, WorkerTable } from "./parts.tsx";

export interface OverviewProps {
  viewer: Viewer;
  apps: readonly { name: string; versions: readonly string[] }[];
  workers: readonly WorkerSnapshot[];
}

/** The overview page. */
export function Overview({ viewer, apps, workers }: OverviewProps) {
  return (
    <Layout title="Overview" page="overview" viewer={viewer}>
      <h1>Overview</h1>
      <section aria-labelledby="apps-title">
        <h2 id="apps-title">Apps</h2>
        {apps.length === 0 ? (
          <p class="muted">No app is deployed.</p>
        ) : (
          <table class="apps">
            <thead>
              <tr>
                <th scope="col">App</th>
                <th scope="col">Versions</th>
                <th scope="col" class="releases" hidden>
                  Tags
                </th>
                <th scope="col" class="releases" hidden>
                  Traffic
                </th>
              </tr>
            </thead>
            <tbody>
              {apps.map((app) => (
                <tr data-app-row={app.name}>
                  <th scope="row">
                    <a href={`/_/dashboard/apps/${encodeURIComponent(app.name)}`}>{app.name}</a>
                  </th>
                  <td>{app.versions.join(", ")}</td>
                  <td class="releases tags" hidden />
                  <td class="releases traffic" hidden />
                </tr>
              ))}
            </tbody>
          </table>
        )}
      </section>
      <Charts apps={apps.map((app) => app.name)} />
      <WorkerTable workers={workers} />
      <EventList />
    </Layout>
  );
}
