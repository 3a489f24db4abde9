/**
 * An app's recent log lines (docs/logs.md): `GET /_/logs?app=<name>&follow=1` as Server-Sent
 * Events, which sends the kept lines first and then each new one. A plain GET first tells whether
 * the route exists: the section stays hidden while it does not answer 200 (a server without
 * logs). Lines are text: a line that looks like markup stays text.
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
  const response = await api("GET", `/_/logs?${query}&level=error`).catch(() => undefined);
  await response?.body?.cancel();
  if (!response?.ok || !response.headers.get("content-type")?.includes("json")) return;
  byId("logs-section").hidden = false;
  const list = byId<HTMLOListElement>("logs");
  const add = (line: LogLine) => {
    list.append(
      el("li", `${line.time ?? ""} ${line.level ?? ""} ${line.version ?? ""} ${line.message ?? ""}`, line.level),
    );
    while (list.childElementCount > LINES_SHOWN) list.firstElementChild?.remove();
  };
  const follow = new EventSource(`/_/logs?${query}&follow=1`);
  follow.addEventListener("log", (message) => {
    add(JSON.parse((message as MessageEvent<string>).data) as LogLine);
    list.scrollTop = list.scrollHeight;
  });
}
