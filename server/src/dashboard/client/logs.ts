/**
 * An app's recent log lines (docs/routes.md, logs): `GET /_/logs?app=<name>` for what is kept,
 * then `&follow=1` as Server-Sent Events for new ones. Hidden while the route does not answer
 * 200 (a server without logs). Lines are text: a line that looks like markup stays text.
 */
import { api, byId, el } from "./dom.ts";

/** Lines shown (the newest kept). */
const LINES_SHOWN = 300;

interface LogLine {
  time?: string;
  level?: string;
  version?: string;
  message?: string;
}

export async function startLogs(app: string): Promise<void> {
  const query = `app=${encodeURIComponent(app)}`;
  const response = await api("GET", `/_/logs?${query}`).catch(() => undefined);
  if (!response?.ok || !response.headers.get("content-type")?.includes("json")) return;
  const { lines } = (await response.json()) as { lines?: LogLine[] };
  byId("logs-section").hidden = false;
  const list = byId<HTMLOListElement>("logs");
  const add = (line: LogLine) => {
    list.append(
      el("li", `${line.time ?? ""} ${line.level ?? ""} ${line.version ?? ""} ${line.message ?? ""}`, line.level),
    );
    while (list.childElementCount > LINES_SHOWN) list.firstElementChild?.remove();
  };
  for (const line of lines ?? []) add(line);
  list.scrollTop = list.scrollHeight;
  const follow = new EventSource(`/_/logs?${query}&follow=1`);
  follow.addEventListener("log", (message) => {
    add(JSON.parse((message as MessageEvent<string>).data) as LogLine);
    list.scrollTop = list.scrollHeight;
  });
}
