import { existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, statSync, symlinkSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { splitKey, type VersionKey } from "@buntime/server";
import { EmulatorError } from "./options.ts";

/**
 * The emulator's own APPS_DIR: a temporary folder whose `<name>/<version>` entries link to the
 * user's app folders, so `deploy` and `remove` never write into the user's tree. Links keep
 * module resolution at the real location (Bun resolves real paths), so apps find their packages.
 */
export class AppsDir {
  readonly path: string;

  /** @throws EmulatorError INVALID_OPTIONS when a folder does not exist (before anything is created). */
  constructor(apps: string | Record<string, string>) {
    const links: { name: string; version: string; folder: string }[] = [];
    if (typeof apps === "string") {
      const root = resolve(apps);
      if (!existsSync(root)) throw invalid(`apps: folder ${root} does not exist`);
      for (const name of readdirSync(root)) {
        const appDir = join(root, name);
        if (name.startsWith(".") || !statSync(appDir).isDirectory()) continue;
        for (const version of readdirSync(appDir)) links.push({ name, version, folder: join(appDir, version) });
      }
    } else {
      for (const [key, folder] of Object.entries(apps)) {
        const dir = resolve(folder);
        if (!existsSync(dir)) throw invalid(`apps["${key}"]: folder ${dir} does not exist`);
        const [name, version] = splitKey(key as VersionKey);
        links.push({ name, version, folder: dir });
      }
    }
    this.path = mkdtempSync(join(tmpdir(), "buntime-emulator-"));
    for (const { name, version, folder } of links) this.link(name, version, folder);
  }

  /** Makes `folder` visible as `name@version` (replacing what was there). */
  link(name: string, version: string, folder: string): void {
    mkdirSync(join(this.path, name), { recursive: true });
    const target = join(this.path, name, version);
    rmSync(target, { recursive: true, force: true });
    symlinkSync(resolve(folder), target, "dir");
  }

  /** Removes `name@version`; false when it was not there. */
  unlink(name: string, version: string): boolean {
    const target = join(this.path, name, version);
    if (!existsSync(target)) return false;
    rmSync(target, { recursive: true, force: true });
    return true;
  }

  /** Deletes the folder (links only: the user's apps are untouched). */
  remove(): void {
    rmSync(this.path, { recursive: true, force: true });
  }
}

function invalid(detail: string): EmulatorError {
  return new EmulatorError("INVALID_OPTIONS", `createEmulator: ${detail}`);
}
