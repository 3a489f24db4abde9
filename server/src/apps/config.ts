import { existsSync, realpathSync, statSync } from "node:fs";
import { join, resolve } from "node:path";
import { formatIssues, type WorkerConfig, workerConfigSchema } from "@buntime/sdk";
import { BuntimeError } from "../errors.ts";
import { isInside } from "../util/paths.ts";
import { WORKER_CONFIG_TS, WORKER_JSONC } from "../util/worker-config-files.ts";
import { evaluateConfigModule } from "./config-module.ts";
import { parseJsonc } from "./jsonc.ts";
import { versionKey } from "./version-key.ts";

/** One app version, ready to start: its config and where its code is. */
export interface AppVersion {
  name: string;
  version: string;
  /** Absolute path of `APPS_DIR/<name>/<version>`. */
  dir: string;
  config: WorkerConfig;
  /** Absolute path of the entrypoint file. */
  entrypoint: string;
  /** `static` serves the entrypoint's folder; `module` calls the default export's `fetch`. */
  kind: "module" | "static";
}

const AUTO_ENTRYPOINTS = ["index.ts", "index.js", "index.mjs", "index.html", "public/index.html"];

/**
 * Reads and validates `<dir>/worker.jsonc` or `<dir>/worker.config.ts`, then finds the
 * entrypoint (docs/configuration.md#the-entrypoint-module).
 * @throws BuntimeError APP_CONFIG_INVALID (naming the field) or ENTRYPOINT_NOT_FOUND
 */
export async function loadAppVersion(
  name: string,
  version: string,
  linkedDir: string,
  override?: Record<string, unknown>,
): Promise<AppVersion> {
  // The real path: a linked version folder (the emulator links apps) must import like the
  // folder it points to (Bun caches link targets by the linked path otherwise).
  const dir = realpathOr(linkedDir);
  const fromDisk = await readRawConfig(dir);
  // An override (the emulator's, for property checks) wins over the file, field by field.
  const raw = override ? { ...(fromDisk as object), ...override } : fromDisk;
  const parsed = workerConfigSchema.safeParse(raw);
  if (!parsed.success) {
    throw new BuntimeError(
      "APP_CONFIG_INVALID",
      `${versionKey(name, version)}: invalid worker config: ${formatIssues(parsed.error)}`,
    );
  }
  const config = parsed.data;
  const entrypoint = findEntrypoint(dir, config.entrypoint);
  if (entrypoint === undefined) {
    const tried = config.entrypoint ?? AUTO_ENTRYPOINTS.join(", ");
    throw new BuntimeError("ENTRYPOINT_NOT_FOUND", `${versionKey(name, version)}: no entrypoint (tried ${tried})`);
  }
  const kind = entrypoint.endsWith(".html") ? "static" : "module";
  return { name, version, dir, config, entrypoint, kind };
}

async function readRawConfig(dir: string): Promise<unknown> {
  const jsonc = join(dir, WORKER_JSONC);
  const ts = join(dir, WORKER_CONFIG_TS);
  if (existsSync(jsonc)) {
    try {
      return parseJsonc(await Bun.file(jsonc).text(), WORKER_JSONC);
    } catch (error) {
      throw new BuntimeError("APP_CONFIG_INVALID", (error as Error).message);
    }
  }
  if (existsSync(ts)) return evaluateConfigModule(ts);
  return {};
}

function findEntrypoint(dir: string, configured: string | undefined): string | undefined {
  const candidates = configured === undefined ? AUTO_ENTRYPOINTS : [configured];
  for (const candidate of candidates) {
    const file = resolve(dir, candidate);
    if (!isInside(dir, file)) continue;
    if (existsSync(file) && statSync(file).isFile()) return file;
  }
  return undefined;
}

function realpathOr(path: string): string {
  try {
    return realpathSync(path);
  } catch {
    return path;
  }
}
