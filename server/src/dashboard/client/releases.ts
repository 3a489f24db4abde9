/**
 * Tags and the traffic split (docs/routes.md, releases): read from `GET /_/apps/<name>`. The
 * sections stay hidden while that route does not answer 200 (a server without releases), so the
 * dashboard works with or without them.
 */
import { api, byId, el, errorText, maybeId } from "./dom.ts";

/** `GET /_/apps/<name>`'s body, as far as the dashboard reads it. */
interface AppReleases {
  tags?: Record<string, string>;
  traffic?: Record<string, number> | null;
}

/** At most this many apps' releases are fetched for the overview (one request each). */
const OVERVIEW_APPS = 50;

async function readReleases(app: string): Promise<AppReleases | undefined> {
  const response = await api("GET", `/_/apps/${encodeURIComponent(app)}`).catch(() => undefined);
  if (!response?.ok || !response.headers.get("content-type")?.includes("json")) return undefined;
  return (await response.json()) as AppReleases;
}

const tagsText = (r: AppReleases) =>
  Object.entries(r.tags ?? {})
    .map(([tag, version]) => `${tag} → ${version}`)
    .join(", ") || "none";
const trafficText = (r: AppReleases) =>
  r.traffic
    ? Object.entries(r.traffic)
        .sort(([a], [b]) => a.localeCompare(b, "en", { numeric: true }))
        .map(([version, weight]) => `${version}: ${weight} %`)
        .join(", ")
    : "no split";

/** Fills the overview's Tags and Traffic columns, if the route exists. */
export async function startOverviewReleases(): Promise<void> {
  const rows = [...document.querySelectorAll<HTMLTableRowElement>("tr[data-app-row]")].slice(0, OVERVIEW_APPS);
  let shown = false;
  for (const row of rows) {
    const releases = await readReleases(row.dataset.appRow ?? "");
    if (!releases) {
      if (!shown) return; // the first app tells: the route is not there
      continue;
    }
    if (!shown) {
      for (const cell of document.querySelectorAll<HTMLElement>(".releases")) cell.hidden = false;
      shown = true;
    }
    const tags = row.querySelector<HTMLElement>(".tags");
    const traffic = row.querySelector<HTMLElement>(".traffic");
    if (tags) tags.textContent = tagsText(releases);
    if (traffic) traffic.textContent = trafficText(releases);
  }
}

/** The app page's tags and traffic, and (for a deployer) the forms that change them. */
export async function startAppReleases(app: string): Promise<void> {
  const releases = await readReleases(app);
  if (!releases) return;
  const section = byId("releases-section");
  section.hidden = false;
  render(releases);
  const status = maybeId("release-status");
  const path = `/_/apps/${encodeURIComponent(app)}`;
  const apply = async (response: Response) => {
    if (response.ok) {
      render((await response.json()) as AppReleases);
      if (status) status.textContent = "Saved";
    } else if (status) status.textContent = `Refused: ${await errorText(response)}`;
  };
  maybeId<HTMLFormElement>("tag-form")?.addEventListener("submit", async (event) => {
    event.preventDefault();
    const tag = byId<HTMLInputElement>("tag-name").value.trim();
    const version = byId<HTMLSelectElement>("tag-version").value;
    await apply(await api("PUT", `${path}/tags/${encodeURIComponent(tag)}`, { version }));
  });
  maybeId<HTMLFormElement>("traffic-form")?.addEventListener("submit", async (event) => {
    event.preventDefault();
    const split: Record<string, number> = {};
    for (const input of document.querySelectorAll<HTMLInputElement>("#traffic-form input[data-version]")) {
      const weight = Number(input.value);
      if (weight > 0) split[input.dataset.version ?? ""] = weight;
    }
    await apply(await api("PUT", `${path}/traffic`, split));
  });
  maybeId("traffic-clear")?.addEventListener("click", async () => {
    const response = await api("DELETE", `${path}/traffic`);
    if (response.ok && response.status !== 204) await apply(response);
    else if (response.status === 204) render({ ...(await readReleases(app)) });
    else await apply(response);
  });
}

function render(releases: AppReleases): void {
  const tags = byId("tags");
  const items = Object.entries(releases.tags ?? {}).flatMap(([tag, version]) => [el("dt", tag), el("dd", version)]);
  tags.replaceChildren(...(items.length > 0 ? items : [el("dt", "Tags"), el("dd", "none")]));
  byId("traffic").textContent = `Traffic: ${trafficText(releases)}`;
  for (const input of document.querySelectorAll<HTMLInputElement>("#traffic-form input[data-version]")) {
    input.value = String(releases.traffic?.[input.dataset.version ?? ""] ?? 0);
  }
}
