import { existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, statSync, symlinkSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, relative, resolve, sep } from "node:path";
import { isAppName, isVersionFolder, splitKey, type VersionKey, versionKey } from "@buntime/server";
import { EmulatorError } from "./options.ts";

/** One `<name>/<version>` entry of the link folder and the folder it links to. */
interface Link {
  name: string;
  version: string;
  folder: string;
}

/**
 * The emulator's own APPS_DIR: a temporary folder whose `<name>/<version>` entries link to the
 * user's app folders, so `deploy` and `remove` never write into the user's tree. Links keep
 * module resolution at the real location (Bun resolves real paths), so apps find their packages.
 *
 * With `apps` a folder, `sync` mirrors it again (the versions added to it and removed from it
 * since), and `versionsHolding` names the versions a file changed in it belongs to: the server's
 * watch of this folder does not follow the links, so `watchAppsDir` (apps-watch.ts) tells it.
 */
export class AppsDir {
  readonly path: string;
  /** The user's folder when `apps` is one (its `<name>/<version>/` are mirrored); else undefined. */
  readonly root: string | undefined;
  /** By `<name>/<version>` (not `name@version`: a name in the user's folder may hold an `@`). */
  readonly #links = new Map<string, Link>();
  /** Set by `deploy` or `remove`: `sync` leaves them as they are, whatever the user's folder holds. */
  readonly #pinned = new Set<string>();

  /** @throws EmulatorError INVALID_OPTIONS when a folder does not exist (before anything is created). */
  constructor(apps: string | Record<string, string>) {
    const links: Link[] = [];
    if (typeof apps === "string") {
      this.root = resolve(apps);
      if (!isFolder(this.root)) throw invalid(`apps: ${this.root} is not a folder`);
    } else {
      for (const [key, folder] of Object.entries(apps)) {
        const dir = resolve(folder);
        if (!isFolder(dir)) throw invalid(`apps["${key}"]: ${dir} is not a folder`);
        const [name, version] = splitKey(key as VersionKey);
        links.push({ name, version, folder: dir });
      }
    }
    this.path = mkdtempSync(join(tmpdir(), "buntime-emulator-"));
    this.sync();
    for (const link of links) this.#place(link);
  }

  /** Makes `folder` visible as `name@version` (replacing what was there), whatever the user's folder holds. */
  link(name: string, version: string, folder: string): void {
    this.#pinned.add(entry(name, version));
    this.#place({ name, version, folder: resolve(folder) });
  }

  /** Removes `name@version`, even while the user's folder still holds it; false when it was not there. */
  unlink(name: string, version: string): boolean {
    if (!existsSync(join(this.path, name, version))) return false;
    this.#pinned.add(entry(name, version));
    this.#drop({ name, version });
    return true;
  }

  /**
   * Links the versions added to the user's folder since the last look and unlinks those gone
   * from it (not the ones `deploy` or `remove` set); returns the valid keys of both.
   */
  sync(): VersionKey[] {
    if (this.root === undefined) return [];
    const onDisk = new Map<string, Link>();
    for (const name of list(this.root)) {
      const appDir = join(this.root, name);
      // A file or a dotfolder is no app; the catalogue warns about the rest as it does in APPS_DIR.
      if (name.startsWith(".") || !isFolder(appDir)) continue;
      for (const version of list(appDir)) {
        if (version.startsWith(".")) continue;
        onDisk.set(entry(name, version), { name, version, folder: join(appDir, version) });
      }
    }
    const changed: Link[] = [];
    for (const [key, link] of this.#links) {
      if (!this.#pinned.has(key) && !onDisk.has(key)) changed.push(link);
    }
    for (const link of changed) this.#drop(link);
    for (const [key, link] of onDisk) {
      if (this.#pinned.has(key) || this.#links.has(key)) continue;
      this.#place(link);
      changed.push(link);
    }
    return changed.filter(isVersion).map((link) => versionKey(link.name, link.version));
  }

  /**
   * The versions whose folder holds `path` (an absolute path below it), each with `path`
   * relative to that folder: what a change to that file changes.
   */
  versionsHolding(path: string): { key: VersionKey; file: string }[] {
    const holding: { key: VersionKey; file: string }[] = [];
    for (const link of this.#links.values()) {
      if (!isVersion(link) || !path.startsWith(link.folder + sep)) continue;
      holding.push({ key: versionKey(link.name, link.version), file: relative(link.folder, path) });
    }
    return holding;
  }

  /** Deletes the folder (links only: the user's apps are untouched). */
  remove(): void {
    rmSync(this.path, { recursive: true, force: true });
  }

  #place(link: Link): void {
    mkdirSync(join(this.path, link.name), { recursive: true });
    const target = join(this.path, link.name, link.version);
    rmSync(target, { recursive: true, force: true });
    symlinkSync(link.folder, target, "dir");
    this.#links.set(entry(link.name, link.version), link);
  }

  #drop({ name, version }: Pick<Link, "name" | "version">): void {
    rmSync(join(this.path, name, version), { recursive: true, force: true });
    this.#links.delete(entry(name, version));
  }
}

/** The link folder's entry for `name@version`: `<name>/<version>`. */
function entry(name: string, version: string): string {
  return join(name, version);
}

/** Whether the catalogue serves `link` (else it ignores it, with a warning). */
function isVersion(link: Link): boolean {
  return isAppName(link.name) && isVersionFolder(link.version);
}

/** The entries of `dir`; none when it is gone (removed while being read). */
function list(dir: string): string[] {
  try {
    return readdirSync(dir);
  } catch {
    return [];
  }
}

export function isFolder(path: string): boolean {
  try {
    return statSync(path).isDirectory();
  } catch {
    return false;
  }
}

function invalid(detail: string): EmulatorError {
  return new EmulatorError("INVALID_OPTIONS", `createEmulator: ${detail}`);
}
