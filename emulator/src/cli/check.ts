import { readdirSync, statSync } from "node:fs";
import { join, resolve } from "node:path";
import { colours, isAppName, isVersionFolder, table, versionKey } from "@buntime/server";
import { createEmulator } from "../emulator.ts";

/** Runtime error codes that mean the app version is broken (an app's own status is not). */
const FAILURES = new Set([
  "APP_CONFIG_INVALID",
  "ENTRYPOINT_NOT_FOUND",
  "APP_ERROR",
  "WORKER_START_FAILED",
  "WORKER_CRASHED",
  "APP_TIMEOUT",
]);

export interface CheckResult {
  app: string;
  version: string;
  ok: boolean;
  status: number;
  detail: string;
  ms: number;
}

/**
 * `check`: loads every app version, validates its config, starts it, sends it one `GET /`, and
 * reports. An app's own answer (any status) passes; a runtime error about the app fails.
 */
export async function checkApps(appsDir: string, log: (line: string) => void = () => {}): Promise<CheckResult[]> {
  const root = resolve(appsDir);
  const versions: { app: string; version: string }[] = [];
  for (const app of readdirSync(root).sort()) {
    if (!isAppName(app) || !statSync(join(root, app)).isDirectory()) continue;
    for (const version of readdirSync(join(root, app)).sort()) {
      if (isVersionFolder(version)) versions.push({ app, version });
    }
  }
  const emu = await createEmulator({ apps: root });
  try {
    const results: CheckResult[] = [];
    for (const [index, { app, version }] of versions.entries()) {
      log(`checking ${index + 1}/${versions.length}: ${versionKey(app, version)}`);
      const started = performance.now();
      const res = await emu.fetch(`/${app}@${version}/`);
      const ms = Math.round(performance.now() - started);
      let code: string | undefined;
      let message = "";
      if (res.headers.get("content-type")?.includes("application/json") && res.status >= 400) {
        const body = (await res.json().catch(() => ({}))) as { error?: { code?: string; message?: string } };
        code = body.error?.code;
        message = body.error?.message ?? "";
      } else {
        await res.body?.cancel();
      }
      const ok = !(code && FAILURES.has(code));
      results.push({ app, version, ok, status: res.status, detail: ok ? "" : `${code}: ${message}`, ms });
    }
    return results;
  } finally {
    await emu.dispose();
  }
}

/** The table `check` prints. */
export function formatResults(results: CheckResult[], stream: { isTTY?: boolean } = process.stdout): string {
  const c = colours(stream);
  const rows = results.map((r) => [
    r.app,
    r.version,
    r.ok ? c.green("ok") : c.red("FAIL"),
    String(r.status),
    `${r.ms} ms`,
    r.detail.split("\n")[0]?.slice(0, 100) ?? "",
  ]);
  const failed = results.filter((r) => !r.ok).length;
  const summary = `${results.length - failed} passed, ${failed} failed`;
  return `${table(["app", "version", "result", "status", "time", "detail"], rows)}\n\n${failed ? c.red(summary) : c.green(summary)}`;
}
