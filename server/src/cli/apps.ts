/** `buntime apps [--json]`: every app, its versions and live workers, from `/_/stats`. */
import { call, remoteFrom } from "./client.ts";
import { table } from "./format.ts";

interface Stats {
  apps: { name: string; versions: string[] }[];
  workers: { app: string; version: string; state: string }[];
}

/** Runs `apps`; resolves with the text to print. */
export async function appsCommand(flags: { url?: string; key?: string; json?: boolean }): Promise<string> {
  const stats = (await (await call(remoteFrom(flags), "/_/stats")).json()) as Stats;
  const rows = stats.apps.flatMap((app) =>
    app.versions.map((version) => {
      const workers = stats.workers.filter((w) => w.app === app.name && w.version === version);
      return { app: app.name, version, workers: workers.length };
    }),
  );
  if (flags.json) return JSON.stringify(rows, null, 2);
  if (rows.length === 0) return "No apps.";
  return table(
    ["APP", "VERSION", "WORKERS"],
    rows.map((r) => [r.app, r.version, String(r.workers)]),
  );
}
