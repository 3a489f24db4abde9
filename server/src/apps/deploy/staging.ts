import { chmod, constants, type FileHandle, mkdir, open } from "node:fs/promises";
import { join, resolve } from "node:path";
import { isInside } from "../../util/paths.ts";
import { DeployError, isSystemError } from "./errors.ts";
import { Budget, type ExtractLimits } from "./limits.ts";

const FILE_MODE = 0o644;
const DIR_MODE = 0o755;
/**
 * `O_EXCL`: an entry never replaces an earlier one (a duplicate name is refused, not merged).
 * `O_NOFOLLOW`: never write through a link, though none can exist here since links are refused.
 */
const CREATE_FLAGS = constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL | constants.O_NOFOLLOW;
/** Filesystem errors that mean "this entry clashes with another or cannot be named", not "disk trouble". */
const PATH_ERRORS = new Set(["EEXIST", "ENOTDIR", "EISDIR", "ENAMETOOLONG", "ELOOP"]);

/**
 * The extraction folder as it fills: creates folders and files strictly inside it, counts them
 * against the limits, and remembers the top level to find the app's root. Archive readers (tar,
 * zip) only decide *what* an entry is; everything that touches the disk happens here.
 */
export class StagingTree {
  /** Absolute path of the (initially empty) extraction folder. */
  readonly dir: string;
  readonly #budget: Budget;
  /** Folders already made, relative and `/`-joined, so each is made (and counted) once. */
  readonly #dirs = new Set<string>();
  /** Top-level names and whether each is a folder. */
  readonly #topLevel = new Map<string, boolean>();

  constructor(dir: string, limits: ExtractLimits) {
    this.dir = resolve(dir);
    this.#budget = new Budget(limits);
  }

  /** Files and folders created. */
  get files(): number {
    return this.#budget.files;
  }

  /** Content bytes written. */
  get bytes(): number {
    return this.#budget.bytes;
  }

  /**
   * `dir`, or its only top-level entry when that is a folder (docs/routes.md#deployments: "the files at the
   * archive root, or under one top-level folder").
   */
  root(): string {
    const [only, ...others] = this.#topLevel;
    if (only !== undefined && others.length === 0 && only[1]) return join(this.dir, only[0]);
    return this.dir;
  }

  /** Makes the folder `segments` (and its parents), mode 0o755. */
  async addDirectory(segments: readonly string[], entry: string): Promise<void> {
    this.#topLevel.set(segments[0]!, true);
    await this.#makeDirs(segments, entry);
  }

  /**
   * Writes `content` to a new file `segments`, mode 0o644 whatever the archive said, counting each
   * chunk before it is written so a bomb stops at the limit; fsync'ed before close.
   */
  async addFile(segments: readonly string[], entry: string, content: AsyncIterable<Uint8Array>): Promise<void> {
    this.#topLevel.set(segments[0]!, segments.length > 1);
    await this.#makeDirs(segments.slice(0, -1), entry);
    const path = this.#inside(segments, entry);
    this.#budget.addFile(entry);
    const file = await this.#attempt(entry, () => open(path, CREATE_FLAGS, FILE_MODE));
    try {
      // The create mode is filtered by the umask; set it outright so every file reads the same.
      await file.chmod(FILE_MODE);
      for await (const chunk of content) {
        this.#budget.addBytes(entry, chunk.byteLength);
        await writeFully(file, chunk);
      }
      await file.sync();
    } finally {
      await file.close();
    }
  }

  async #makeDirs(segments: readonly string[], entry: string): Promise<void> {
    for (let depth = 1; depth <= segments.length; depth++) {
      const key = segments.slice(0, depth).join("/");
      if (this.#dirs.has(key)) continue;
      const path = this.#inside(segments.slice(0, depth), entry);
      this.#budget.addFile(entry);
      // Not `recursive`: each level is made, counted and chmod'ed by us, and an existing one is a
      // clash with a file of the same name (the folder is fresh, and every folder we made is known).
      await this.#attempt(entry, () => mkdir(path, DIR_MODE));
      await chmod(path, DIR_MODE);
      this.#dirs.add(key);
    }
  }

  /** The absolute path of `segments`, proven to be strictly inside `dir` (belt and braces over `entrySegments`). */
  #inside(segments: readonly string[], entry: string): string {
    const path = resolve(this.dir, ...segments);
    if (path === this.dir || !isInside(this.dir, path)) {
      throw new DeployError("UNSAFE_PATH", `entry ${JSON.stringify(entry)}: resolves outside the folder`);
    }
    return path;
  }

  /** Runs a filesystem call, turning a name clash into UNSAFE_PATH naming the entry. */
  async #attempt<T>(entry: string, call: () => Promise<T>): Promise<T> {
    try {
      return await call();
    } catch (error) {
      if (isSystemError(error) && PATH_ERRORS.has(error.code ?? "")) {
        throw new DeployError(
          "UNSAFE_PATH",
          `entry ${JSON.stringify(entry)}: clashes with another entry or cannot be created (${error.code})`,
          { cause: error },
        );
      }
      throw error;
    }
  }
}

/** Writes all of `chunk`: a single `write` may write less than asked. */
export async function writeFully(file: FileHandle, chunk: Uint8Array): Promise<void> {
  let offset = 0;
  while (offset < chunk.byteLength) {
    const { bytesWritten } = await file.write(chunk, offset, chunk.byteLength - offset);
    offset += bytesWritten;
  }
}
