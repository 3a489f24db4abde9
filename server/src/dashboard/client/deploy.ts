/**
 * Deploying an archive from the app page: a file dropped on the zone or picked, sent with
 * XMLHttpRequest (fetch has no upload progress) to `POST /_/deployments/<name>/<version>` with
 * the CSRF header; the progress bar follows the upload, and a refusal shows the server's message.
 */
import { byId, CSRF_HEADERS, deploymentPath, errorTextOf, maybeId } from "./dom.ts";

/** The archive's Content-Type, from its name (the server checks the bytes anyway). */
export function archiveType(fileName: string): string | undefined {
  const lower = fileName.toLowerCase();
  if (lower.endsWith(".zip")) return "application/zip";
  if (lower.endsWith(".tar.gz") || lower.endsWith(".tgz")) return "application/gzip";
  return undefined;
}

export function startDeploy(app: string): void {
  const form = maybeId<HTMLFormElement>("deploy-form");
  if (!form) return;
  const input = byId<HTMLInputElement>("deploy-file");
  const version = byId<HTMLInputElement>("deploy-version");
  const zone = byId("drop-zone");
  const progress = byId<HTMLProgressElement>("deploy-progress");
  const status = byId("deploy-status");
  let dropped: File | undefined;

  zone.addEventListener("dragover", (event) => {
    event.preventDefault();
    zone.classList.add("over");
  });
  zone.addEventListener("dragleave", () => zone.classList.remove("over"));
  zone.addEventListener("drop", (event) => {
    event.preventDefault();
    zone.classList.remove("over");
    dropped = event.dataTransfer?.files[0];
    if (dropped) status.textContent = `Ready to deploy ${dropped.name}`;
  });
  input.addEventListener("change", () => {
    dropped = undefined;
  });

  form.addEventListener("submit", (event) => {
    event.preventDefault();
    const file = dropped ?? input.files?.[0];
    if (!file) {
      status.textContent = "Choose or drop an archive first";
      return;
    }
    const type = archiveType(file.name);
    if (!type) {
      status.textContent = "The archive must be a .tar.gz, .tgz or .zip";
      return;
    }
    const xhr = new XMLHttpRequest();
    xhr.open("POST", deploymentPath(app, version.value.trim()));
    xhr.setRequestHeader("content-type", type);
    for (const [name, value] of Object.entries(CSRF_HEADERS)) xhr.setRequestHeader(name, value);
    progress.hidden = false;
    progress.value = 0;
    status.textContent = `Uploading ${file.name}…`;
    xhr.upload.addEventListener("progress", (e) => {
      if (e.lengthComputable) progress.value = Math.round((e.loaded / e.total) * 100);
    });
    xhr.addEventListener("load", () => {
      if (xhr.status === 201 || xhr.status === 200) {
        progress.value = 100;
        status.textContent = `Deployed ${app}@${version.value.trim()}`;
        // The versions list and the forms are rendered by the server: show the new state.
        location.reload();
        return;
      }
      status.textContent = `Refused: ${errorTextOf(xhr.status, xhr.responseText)}`;
    });
    xhr.addEventListener("error", () => {
      status.textContent = "The upload failed (network error)";
    });
    xhr.send(file);
  });
}
