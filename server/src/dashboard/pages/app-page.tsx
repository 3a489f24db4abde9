/** @jsxImportSource hono/jsx */
/**
 * One app's page (`/_/dashboard/apps/<name>`): its versions and configs (env values redacted by
 * the server), tags and traffic (when the releases routes answer), workers, charts, recent log
 * lines (when `/_/logs` answers), and for a deployer the write controls: deploy an archive,
 * delete a version, move a tag, set the traffic split. A viewer's page has none of them.
 */
import type { WorkerSnapshot } from "../../pool/pool.ts";
import type { Viewer } from "../viewer.ts";
import { Layout } from "./layout.tsx";
import { Charts, EventList, WorkerTable } from "./parts.tsx";

/** One version as `/_/deployments/<name>/<version>` describes it. */
export interface VersionView {
  version: string;
  kind?: string;
  entrypoint?: string;
  config?: unknown;
  error?: { code: string; message: string };
}

export interface AppPageProps {
  viewer: Viewer;
  name: string;
  versions: readonly VersionView[];
  workers: readonly WorkerSnapshot[];
}

/** The app page. */
export function AppPage({ viewer, name, versions, workers }: AppPageProps) {
  return (
    <Layout title={name} page="app" viewer={viewer} app={name}>
      <h1>{name}</h1>
      <section aria-labelledby="versions-title">
        <h2 id="versions-title">Versions</h2>
        {versions.length === 0 && <p class="muted">No version of this app is deployed.</p>}
        <ul class="versions" id="versions">
          {versions.map((v) => (
            <li class="card" data-version={v.version}>
              <h3>{v.version}</h3>
              {v.error ? (
                <p class="error">{`${v.error.code}: ${v.error.message}`}</p>
              ) : (
                <p>{`${v.kind ?? ""} · entrypoint ${v.entrypoint ?? ""}`}</p>
              )}
              {v.config !== undefined && (
                <details>
                  <summary>Config</summary>
                  <pre>{JSON.stringify(v.config, null, 2)}</pre>
                </details>
              )}
              {viewer.canWrite && (
                <button type="button" class="danger delete-version" data-version={v.version}>
                  {`Delete ${v.version}`}
                </button>
              )}
            </li>
          ))}
        </ul>
      </section>
      <Releases canWrite={viewer.canWrite} versions={versions.map((v) => v.version)} />
      {viewer.canWrite && <Deploy name={name} />}
      <Charts apps={[name]} app={name} />
      <WorkerTable workers={workers} />
      <EventList />
      <section aria-labelledby="logs-title" id="logs-section" hidden>
        <h2 id="logs-title">Recent log lines</h2>
        <ol id="logs" class="logs" />
      </section>
    </Layout>
  );
}

/** Tags and the traffic split: hidden until `/_/apps/<name>` answers (client/releases.ts). */
function Releases({ canWrite, versions }: { canWrite: boolean; versions: readonly string[] }) {
  return (
    <section aria-labelledby="releases-title" id="releases-section" hidden>
      <h2 id="releases-title">Tags and traffic</h2>
      <dl id="tags" class="tags" />
      <p id="traffic" />
      {canWrite && (
        <div class="release-forms">
          <form id="tag-form" class="card">
            <h3>Move a tag</h3>
            <p>
              <label for="tag-name">Tag</label>
              <input id="tag-name" name="tag" required pattern="[a-z][a-z0-9-]{0,31}" value="latest" />
            </p>
            <p>
              <label for="tag-version">Version</label>
              <select id="tag-version" name="version">
                {versions.map((v) => (
                  <option value={v}>{v}</option>
                ))}
              </select>
            </p>
            <button type="submit">Move tag</button>
          </form>
          <form id="traffic-form" class="card">
            <h3>Traffic split</h3>
            {versions.map((v, i) => (
              <p>
                <label for={`weight-${i}`}>{`${v} (%)`}</label>
                <input id={`weight-${i}`} data-version={v} type="number" min="0" max="100" step="1" value="0" />
              </p>
            ))}
            <button type="submit">Set split</button>{" "}
            <button type="button" id="traffic-clear">
              End split
            </button>
          </form>
          <p id="release-status" role="status" />
        </div>
      )}
    </section>
  );
}

/** Deploying an archive: drop zone or file picker, a version, a progress bar, the server's answer. */
function Deploy({ name }: { name: string }) {
  return (
    <section aria-labelledby="deploy-title">
      <h2 id="deploy-title">Deploy a version</h2>
      <form id="deploy-form" class="card" data-app={name}>
        <p>
          <label for="deploy-version">Version</label>
          <input id="deploy-version" name="version" required placeholder="1.2.3" spellcheck={false} />
        </p>
        <div id="drop-zone" class="drop-zone">
          <label for="deploy-file">Archive (.tar.gz or .zip): drop it here or choose a file</label>
          <input
            id="deploy-file"
            name="archive"
            type="file"
            accept=".tar.gz,.tgz,.zip,application/gzip,application/zip"
          />
        </div>
        <p>
          <button type="submit" id="deploy-submit">
            Deploy
          </button>
        </p>
        <progress id="deploy-progress" max="100" value="0" aria-label="Upload progress" hidden />
        <p id="deploy-status" role="status" />
      </form>
    </section>
  );
}
