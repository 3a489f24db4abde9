import { existsSync } from "node:fs";
import { mkdir, readdir, readFile, rename, rm, rmdir } from "node:fs/promises";
import { join } from "node:path";
import { BuntimeError } from "../../errors.ts";
import { withFileLock } from "../../store/file-lock.ts";
import { isRunning } from "../../util/process-alive.ts";
import { swapFolders } from "../../util/swap-folders.ts";
import { loadAppVersion } from "../config.ts";
import { isAppName, isVersionFolder } from "../resolve.ts";
import { type VersionKey, versionKey } from "../version-key.ts";
import { DeployError, type ExtractLimits, extractArchive } from "./extract.ts";
import { WatchedUpload } from "./upload.ts";

/**
 * Where deployments stage their work, inside APPS_DIR (same filesystem, so rename is atomic):
 * a folder `<pid>-<uuid>` per deployment, so that a process starting up sweeps only what dead
 * processes left (with BUNTIME_PROCESSES > 1 a sibling may be extracting an upload right now).
 */
const STAGING_DIR = ".buntime-staging";
/**
 * The lock files that serialise one version's moves across the processes sharing APPS_DIR
 * (`<name>@<version>.lock`). Apart from staging, which is swept.
 */
const LOCKS_DIR = ".buntime-locks";
/**
 * A version moved aside by a replacement where the folders cannot be swapped in one step:
 * `<staging>.old@<name>@<version>`. Killed before the new one landed, the start-up sweep puts it
 * back (neither name nor version can hold an `@`).
 */
const ASIDE = /\.old@([^@/]+)@([^@/]+)$/;
/** The pid a staging folder's name starts with (`<pid>-<uuid>`); names of older servers have none. */
const OWNER = /^(\d+)-/;
/**
 * How long one version's moves wait for another process's (`LOCKS_DIR`): in a cluster they
 * include the store's commit of an archive of up to 50 MiB.
 */
const LOCK_WAIT_MS = 120_000;

const DEFAULT_DEPLOY_LIMITS: ExtractLimits = {
  maxArchiveBytes: 50 * 1024 * 1024,
  maxFiles: 5000,
  maxUncompressedBytes: 200 * 1024 * 1024,
};

const ARCHIVE_TYPES: Record<string, "tar.gz" | "zip"> = {
  "application/gzip": "tar.gz",
  "application/x-gzip": "tar.gz",
  "application/x-tar+gzip": "tar.gz",
  "application/zip": "zip",
  "application/x-zip-compressed": "zip",
};

/** The archive kind a `Content-Type` names, or undefined. */
function archiveKind(contentType: string | null): "tar.gz" | "zip" | undefined {
  const type = (contentType ?? "").split(";")[0]?.trim().toLowerCase() ?? "";
  return ARCHIVE_TYPES[type];
}

/** What a caller may add to a deployment (the shared store's write: cluster/). */
export interface DeployHooks {
  /**
   * Runs once the upload is validated, under the version's lock, right before the move into
   * place: a throw refuses the deployment and leaves APPS_DIR as it was; `false` skips the move
   * (a cache that already holds this archive).
   */
  commit?: () => Promise<boolean | undefined | void>;
  /** Runs under the version's lock once the version is in place (not when `commit` skipped the move). */
  landed?: () => Promise<void>;
}

/**
 * Makes app versions live from archives, atomically: the archive is extracted into a staging
 * folder inside APPS_DIR, validated (paths, links, limits, config, entrypoint), and only then
 * renamed into place. A refusal or a crash at any point leaves APPS_DIR as it was (staging
 * leftovers are hidden from the catalogue and swept at start). Uploads are staged side by side;
 * only the moves into place (and removals) of one version are serialised.
 */
export class Deployer {
  readonly #appsDir: string;
  readonly #limits: ExtractLimits;
  /** In this process; `LOCKS_DIR` across processes. */
  readonly #locks = new Map<VersionKey, Promise<unknown>>();

  /** `swapFolders`, or (tests) a stand-in where the swap is not available. */
  readonly #swap: (a: string, b: string) => boolean;

  constructor(
    appsDir: string,
    limits: Partial<ExtractLimits> = {},
    swap: (a: string, b: string) => boolean = swapFolders,
  ) {
    this.#appsDir = appsDir;
    this.#limits = { ...DEFAULT_DEPLOY_LIMITS, ...limits };
    this.#swap = swap;
  }
  /** The ceilings every upload is held to (a writer that reads an upload itself applies them too). */
  get limits(): ExtractLimits {
    return this.#limits;
  }

  /**
   * Removes what interrupted deployments of processes that no longer run left behind (this
   * process's pid included: it has just started, a predecessor may have had it), and puts back a
   * version a replacement killed half-way had moved aside.
   */
  async sweep(): Promise<void> {
    // Lock files of this pid are a predecessor's (a container's server often restarts as the same
    // pid): `file-lock.ts` would wait on them for good. Dead owners' it takes over by itself.
    const locks = join(this.#appsDir, LOCKS_DIR);
    for (const entry of await readdir(locks).catch(() => [] as string[])) {
      const owner = await readFile(join(locks, entry), "utf8").catch(() => "");
      if (Number.parseInt(owner, 10) === process.pid) await rm(join(locks, entry), { force: true });
    }
    const staging = join(this.#appsDir, STAGING_DIR);
    for (const entry of await readdir(staging).catch(() => [] as string[])) {
      const pid = Number(OWNER.exec(entry)?.[1]);
      if (pid !== process.pid && Number.isSafeInteger(pid) && pid > 1 && isRunning(pid)) continue;
      const aside = ASIDE.exec(entry);
      const [, name = "", version = ""] = aside ?? [];
      if (aside && isAppName(name) && isVersionFolder(version)) {
        // Under the version's lock: a live sibling may be deploying it right now.
        const restored = await this.#serialise(name, version, async () => {
          const target = join(this.#appsDir, name, version);
          if (existsSync(target)) return false;
          await installInto(join(this.#appsDir, name), join(staging, entry), target);
          return true;
        });
        if (restored) continue;
      }
      await rm(join(staging, entry), { recursive: true, force: true });
    }
  }

  /**
   * Deploys `body` as `name@version`. `replace` false answers 409 when it exists.
   *
   * The upload is read, extracted and validated in a staging folder of its own before the
   * version's lock is taken: the lock covers only the existence check and the renames, so a slow
   * upload never holds up a DELETE or another deployment of the same version (the last to finish
   * wins). A POST onto an existing version is refused before its body is read, and again under the
   * lock in case the version appeared meanwhile.
   * @returns whether the version is new (201) or replaced one (200); `skipped` when
   *   `hooks.commit` said not to move it into place
   * @throws BuntimeError DEPLOYMENT_INVALID (400: a refused archive, or an upload cut off before its
   *   end), DEPLOYMENT_EXISTS (409), UNSUPPORTED_MEDIA_TYPE (415), BODY_TOO_LARGE (413, from the
   *   HTTP layer's limit)
   */
  async deploy(
    name: string,
    version: string,
    body: ReadableStream<Uint8Array> | null,
    contentType: string | null,
    replace: boolean,
    hooks: DeployHooks = {},
  ): Promise<{ created: boolean; skipped?: true }> {
    checkNames(name, version);
    const kind = archiveKind(contentType);
    if (!kind) {
      throw new BuntimeError(
        "UNSUPPORTED_MEDIA_TYPE",
        "send the archive as application/gzip (.tar.gz) or application/zip",
      );
    }
    if (!body) throw new BuntimeError("DEPLOYMENT_INVALID", "the request has no body");
    const target = join(this.#appsDir, name, version);
    const refuseExisting = () => {
      if (!replace && existsSync(target)) {
        throw new BuntimeError("DEPLOYMENT_EXISTS", `${versionKey(name, version)} already exists; PUT replaces it`);
      }
    };
    refuseExisting();
    const staging = await this.#stagingFolder();
    const aside = `${staging}.old@${name}@${version}`;
    try {
      const root = await this.#extract(body, kind, staging);
      try {
        await loadAppVersion(name, version, root);
      } catch (error) {
        if (error instanceof BuntimeError) throw new BuntimeError("DEPLOYMENT_INVALID", error.message);
        throw error;
      }
      return await this.#serialise(name, version, async () => {
        refuseExisting();
        if ((await hooks.commit?.()) === false) return { created: false, skipped: true };
        const exists = existsSync(target);
        // One step: the old version goes into staging as the new one lands (then swept with it).
        if (!(exists && this.#swap(root, target))) {
          if (exists) await rename(target, aside); // no swap here: two renames, put back if killed between
          await installInto(join(this.#appsDir, name), root, target);
        }
        await hooks.landed?.();
        return { created: !exists };
      });
    } finally {
      await rm(staging, { recursive: true, force: true });
      await rm(aside, { recursive: true, force: true });
    }
  }

  /** Extracts the upload into `staging`; every failure that is the client's becomes a 400. */
  async #extract(body: ReadableStream<Uint8Array>, kind: "tar.gz" | "zip", staging: string): Promise<string> {
    const upload = new WatchedUpload(body);
    try {
      const { root } = await extractArchive({ source: upload.stream, kind, stagingDir: staging, limits: this.#limits });
      return root;
    } catch (error) {
      if (error instanceof DeployError) throw new BuntimeError("DEPLOYMENT_INVALID", error.message);
      if (error instanceof BuntimeError) throw error; // the HTTP layer's own refusal (BODY_TOO_LARGE)
      if (upload.failedWith(error)) {
        throw new BuntimeError("DEPLOYMENT_INVALID", "the upload ended before the archive was complete");
      }
      throw error; // the server's own trouble (a full disk): 500
    }
  }

  /**
   * Removes `name@version` (atomically: renamed out of sight, then deleted).
   * @throws BuntimeError VERSION_NOT_FOUND
   */
  remove(name: string, version: string): Promise<void> {
    checkNames(name, version);
    return this.#serialise(name, version, async () => {
      const target = join(this.#appsDir, name, version);
      if (!existsSync(target))
        throw new BuntimeError("VERSION_NOT_FOUND", `${versionKey(name, version)} is not deployed`);
      const staging = await this.#stagingFolder();
      try {
        await rename(target, join(staging, "removed"));
        await removeIfEmpty(join(this.#appsDir, name));
      } finally {
        await rm(staging, { recursive: true, force: true });
      }
    });
  }

  async #stagingFolder(): Promise<string> {
    const dir = join(this.#appsDir, STAGING_DIR, `${process.pid}-${crypto.randomUUID()}`);
    await mkdir(dir, { recursive: true });
    return dir;
  }

  /** Runs `work` alone for `name@version`: after this process's earlier work on it, under its lock file. */
  async #serialise<T>(name: string, version: string, work: () => Promise<T>): Promise<T> {
    const key = versionKey(name, version);
    const previous = this.#locks.get(key) ?? Promise.resolve();
    const locks = join(this.#appsDir, LOCKS_DIR);
    const locked = async () => {
      await mkdir(locks, { recursive: true });
      return withFileLock(join(locks, `${key}.lock`), work, LOCK_WAIT_MS);
    };
    const run = previous.catch(() => {}).then(locked);
    this.#locks.set(key, run);
    try {
      return await run;
    } finally {
      if (this.#locks.get(key) === run) this.#locks.delete(key);
    }
  }
}

function checkNames(name: string, version: string): void {
  if (!isAppName(name)) throw new BuntimeError("DEPLOYMENT_INVALID", `"${name}" is not a valid app name`);
  if (!isVersionFolder(version))
    throw new BuntimeError("DEPLOYMENT_INVALID", `"${version}" is not a valid semver version`);
}

/**
 * Removes an app's folder only if it is empty, in one system call: the locks are per version,
 * so another version of the same app may be landing in it right now (a listing followed by a
 * recursive delete could delete that version).
 */
async function removeIfEmpty(appDir: string): Promise<void> {
  try {
    await rmdir(appDir);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code !== "ENOTEMPTY" && code !== "EEXIST" && code !== "ENOENT") throw error;
  }
}

/**
 * Renames `root` to `target` inside `appDir`, creating `appDir` first. Should the last other
 * version's removal take the folder away between the two (`removeIfEmpty`), it is made again.
 */
async function installInto(appDir: string, root: string, target: string): Promise<void> {
  for (let attempt = 0; ; attempt++) {
    await mkdir(appDir, { recursive: true });
    try {
      await rename(root, target);
      return;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== "ENOENT" || attempt >= 3) throw error;
    }
  }
}
