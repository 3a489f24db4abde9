/**
 * The isolation set-up of one server (docs/configuration.md#isolation): which transport each app
 * version's workers get (`isolation` in its config, raised to the server's floor
 * `BUNTIME_ISOLATION`), and, for process workers, the sandbox this machine allows. What it cannot
 * enforce is worked out once at start, logged once, and shown in `/_/stats` (`report`), never left
 * silent.
 */
import { readdirSync, readFileSync, statSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import type { AppVersion } from "../apps/config.ts";
import { keyOf, type VersionKey } from "../apps/version-key.ts";
import type { BuntimeConfig } from "../config/buntime-config.ts";
import { EnvError } from "../constants.ts";
import { type OpenTransport, openThread } from "../pool/transport.ts";
import type { Logger } from "../util/log.ts";
import { type AppRuntime, createAppRuntime } from "./app-runtime.ts";
import { createMemoryLimiter, type MemoryLimiter } from "./memory.ts";
import { makeNonDumpable } from "./non-dumpable.ts";
import { PROCESS_WORKERS, type ProcessSandbox, processTransport } from "./process-transport.ts";
import {
  type AppUser,
  appGroup,
  assertReachable,
  assertReadable,
  lookupUser,
  protect,
  shareWithApp,
} from "./sandbox.ts";

export type IsolationMode = "thread" | "process";

/** What `/_/stats` shows under `isolation`. */
export interface IsolationReport {
  /** `BUNTIME_ISOLATION`: the least every app gets. */
  floor: IsolationMode;
  process: {
    /** The user app processes run as; null: the server's own (it is not root). */
    user: string | null;
    /** How `maxMemory` is enforced for process workers. */
    memory: MemoryLimiter["kind"];
    /** What this machine leaves open, in words. */
    warnings: string[];
  };
  /** Versions whose workers now run as processes because one of their threads was abandoned. */
  readonly escalated: VersionKey[];
}

export interface IsolationOptions {
  floor: IsolationMode;
  /** `BUNTIME_APP_USER`: who app processes run as when the server is root. */
  appUser: string;
  /** `APPS_DIR`: with the floor at `process`, every app folder is given to its group at start. */
  appsDir: string;
  /** Files and folders app processes must not read (the data dir, configs, the policy file). */
  secrets: string[];
  logger: Logger;
  /** Where cgroup filesystems are mounted (tests). */
  cgroupRoot?: string;
  /** Where the runtime folder for the app user's processes is made (default: the temp folder). */
  runtimeParent?: string;
  /**
   * Whether, as root, the server may change files it does not own the content of: give app
   * folders to their app's group and take "other" permissions off the secrets (default true).
   * The emulator's app folders are the author's own tree: false, and a process worker's folder
   * must then already be readable by the app user (`assertReadable`), or its start fails saying so.
   */
  changesAppFiles?: boolean;
}

/** A server's isolation: a transport per app version, and what it enforces. */
export interface Isolation {
  /** The transport `app`'s workers run on. */
  transportFor(app: AppVersion): OpenTransport;
  /**
   * A thread of version `key` stayed blocked in a system call after `terminate()` and was
   * abandoned (it lives on until the call returns): its next workers run as processes, which can
   * always be killed, so a version that blocks cannot leak a thread per request timeout.
   */
  threadAbandoned(key: VersionKey): void;
  /** Version `key` changed on disk or is gone: a version no longer there is forgotten. */
  versionChanged(key: VersionKey, exists: boolean): void;
  readonly report: IsolationReport;
  /**
   * App `name` changed on disk (a version added, changed, removed): with the floor at `process`,
   * its folder is given to its group now, so that a new app is never readable by the others'
   * processes until its first worker. (Its own change events then end: nothing left to change.)
   */
  appChanged(name: string): void;
  /** Removes what it created (the server's cgroup folder, the app user's runtime folder). */
  close(): void;
}

/** Gives every app folder under `appsDir` to its app's group. */
function shareAll(appsDir: string): void {
  let names: string[];
  try {
    names = readdirSync(appsDir);
  } catch {
    return; // no APPS_DIR yet: the catalogue warns
  }
  for (const name of names) {
    if (name.startsWith(".")) continue;
    const dir = join(appsDir, name);
    if (statSync(dir, { throwIfNoEntry: false })?.isDirectory()) shareWithApp(dir, appGroup(name));
  }
}

/** `shareWithApp` for a folder that may have gone meanwhile (a removed app): logged, not thrown. */
function shareIfThere(dir: string, gid: number, logger: Logger): void {
  try {
    shareWithApp(dir, gid);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== "ENOENT") {
      logger.error("could not give an app folder to its group", { dir, error: String(error) });
    }
  }
}

/**
 * Thrown when the sandbox cannot be what was asked for (a missing app user): never fail open.
 * An EnvError: the server's entry exits 2 with its message, naming BUNTIME_APP_USER.
 */
export class IsolationError extends EnvError {}

/** The mode `app` runs in: its own choice, raised to the floor. */
export function modeOf(app: AppVersion, floor: IsolationMode): IsolationMode {
  return floor === "process" || app.config.isolation === "process" ? "process" : "thread";
}

/**
 * Secret paths of a server: its data dir, its extension config, and the authz plugin's policy
 * file when it keeps one (`store: "file"`, the default).
 */
export function secretPaths(dataDir: string, configFile: string | undefined, config: BuntimeConfig): string[] {
  const paths = [dataDir];
  if (configFile) paths.push(resolve(configFile));
  for (const plugin of config.plugins) {
    if (!/(^|\/)authz$/.test(plugin.specifier)) continue;
    const { store, path } = plugin.options as { store?: unknown; path?: unknown };
    if (store !== undefined && store !== "file") continue;
    const file = resolve(typeof path === "string" ? path : "./data/policies.json");
    paths.push(file); // its folder may be shared (the working folder): the file only
  }
  return paths;
}

/**
 * Sets up isolation for a server. As root: resolves the app user (an IsolationError when it
 * does not exist), takes "other" permissions off the secrets. Not root: marks the server
 * non-dumpable so same-uid workers cannot read its `/proc` files.
 * @throws IsolationError when `appUser` does not exist
 */
export function createIsolation(options: IsolationOptions): Isolation {
  const { floor, logger } = options;
  const warnings: string[] = [];
  const root = process.getuid?.() === 0;
  let user: AppUser | undefined;
  if (root) {
    user = lookupUser(options.appUser, readFileSync("/etc/passwd", "utf8"));
    if (!user) throw new IsolationError(`BUNTIME_APP_USER ${options.appUser} does not exist on this machine`);
    if (user.uid === 0) throw new IsolationError(`BUNTIME_APP_USER ${options.appUser} is root`);
    const changed = options.changesAppFiles === false ? [] : protect(options.secrets);
    if (changed.length > 0) logger.info("secrets closed to app users", { paths: changed });
    // Before the catalogue watches: a folder's new owner and mode are changes the watcher would
    // see, and it would recycle the version's first worker. (An app that chooses `process`
    // under a `thread` floor is given its folder at its first worker, which that recycles once.)
    if (floor === "process" && options.changesAppFiles !== false) shareAll(options.appsDir);
  } else {
    warnings.push(
      "the server is not root: process workers run as its own user, so they can read the files it can (other apps' folders, the key store, the policy file)",
    );
    const failed = makeNonDumpable();
    if (failed) warnings.push(`the server's /proc/<pid>/environ and mem stay readable by its workers: ${failed}`);
  }
  // Root: workers run as another user, who may not reach the server's files (app-runtime.ts).
  const runtime: AppRuntime | undefined = user ? createAppRuntime(options.runtimeParent) : undefined;
  const memory = createMemoryLimiter(options.cgroupRoot);
  if (memory.warning) warnings.push(memory.warning);
  // At most one key per version on disk: a removed version's key goes (versionChanged).
  const escalated = new Set<VersionKey>();
  const report: IsolationReport = {
    floor,
    process: { user: user?.name ?? null, memory: memory.kind, warnings },
    // Read from the set whenever the report is (an enumerable getter: JSON.stringify includes it).
    get escalated() {
      return [...escalated];
    },
  };
  for (const warning of warnings) logger.warn("process isolation: cannot enforce", { warning });

  /** App folders already given to their group, by version (a change on disk is a new AppVersion). */
  const shared = new WeakSet<AppVersion>();
  const sandbox: ProcessSandbox = {
    memory,
    runtime,
    identity: (app) => {
      if (!user) return undefined;
      const gid = appGroup(app.name);
      if (!shared.has(app)) {
        if (options.changesAppFiles === false) {
          // Nothing is given to the group: the folder itself and every one above must let others in.
          assertReachable(app.dir);
          assertReadable(app.dir, gid);
        } else {
          assertReachable(dirname(app.dir));
          shareWithApp(dirname(app.dir), gid);
        }
        shared.add(app);
      }
      return { uid: user.uid, gid };
    },
  };
  const inProcess = processTransport(sandbox);
  return {
    transportFor: (app) => (modeOf(app, floor) === "process" || escalated.has(keyOf(app)) ? inProcess : openThread),
    report,
    threadAbandoned: (key) => {
      if (floor === "process" || escalated.has(key)) return;
      if (!PROCESS_WORKERS) {
        // A compiled binary cannot start processes: moving the version would end its service.
        logger.warn(
          "thread abandoned (blocked in a system call); a compiled binary cannot move the version to processes",
          {
            app: key,
          },
        );
        return;
      }
      escalated.add(key);
      logger.warn("thread abandoned (blocked in a system call): the version's next workers run as processes", {
        app: key,
      });
    },
    versionChanged: (key, exists) => {
      if (!exists) escalated.delete(key);
    },
    appChanged: (name) => {
      if (!user || options.changesAppFiles === false) return;
      const dir = join(options.appsDir, name);
      // Under a thread floor: apps that ran in processes before (their folder has their group).
      const gid = appGroup(name);
      if (floor === "process" || statSync(dir, { throwIfNoEntry: false })?.gid === gid) shareIfThere(dir, gid, logger);
    },
    close: () => {
      memory.close();
      runtime?.close();
    },
  };
}
