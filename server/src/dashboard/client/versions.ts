/** Deleting a version from the app page, after a confirmation; the server's refusal is shown. */
import { api, deploymentPath, el, errorText } from "./dom.ts";

export function startVersionDelete(app: string): void {
  for (const button of document.querySelectorAll<HTMLButtonElement>("button.delete-version")) {
    button.addEventListener("click", async () => {
      const version = button.dataset.version ?? "";
      if (!confirm(`Delete ${app}@${version}? Its workers drain and stop.`)) return;
      const response = await api("DELETE", deploymentPath(app, version));
      if (response.status === 204) {
        location.reload();
        return;
      }
      const note = el("p", `Refused: ${await errorText(response)}`, "error");
      note.setAttribute("role", "alert");
      button.after(note);
    });
  }
}
