/**
 * What a process worker runs, as files its user can reach. When the server runs as root, workers
 * run as `BUNTIME_APP_USER`, who must execute Bun and read the guest entry and the preloads (and
 * everything they import). The server may be installed where that user cannot go (a checkout
 * under `/root`, mode 0700): so, at the first process worker, the guest entry and each preload are
 * bundled (`bun build --target bun`: one file holding all they import) into a runtime folder of
 * the server's own, mode 0755, and Bun itself is linked (or copied) there when the user cannot
 * execute it where it is.
 *
 * Always bundled, rather than checking the modes of every file an entry imports: a single file
 * is one thing to make readable, and its build takes a few milliseconds. The folder is
 * `$TMPDIR/buntime-runtime-<pid>`, removed by `close()`; one left by a server killed outright is
 * removed by the next start (its pid no longer runs).
 */
import { chmodSync, copyFileSync, linkSync, mkdirSync, readdirSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { basename, dirname, join } from "node:path";
import { isRunning } from "../util/process-alive.ts";

const PREFIX = "buntime-runtime-";

/** The files a process worker starts from. */
export interface AppRuntime {
  /** The Bun executable to spawn. */
  bun(): string;
  /** The file to run instead of `file` (the guest entry, a preload). */
  module(file: string): string;
  /** Removes the runtime folder. */
  close(): void;
}

/** Whether "others" may enter every folder above `path` and have `bits` (0o4 read, 0o1 execute) on it. */
export function reachableByOthers(path: string, bits: number): boolean {
  if ((statSync(path).mode & bits) !== bits) return false;
  for (let dir = dirname(path); ; dir = dirname(dir)) {
    if ((statSync(dir).mode & 0o001) === 0) return false;
    if (dir === dirname(dir)) return true;
  }
}

/** Removes runtime folders under `parent` left by servers that no longer run. */
function sweep(parent: string): void {
  for (const name of readdirSync(parent)) {
    const pid = Number(name.slice(PREFIX.length));
    if (!name.startsWith(PREFIX) || !Number.isInteger(pid) || pid === process.pid || isRunning(pid)) continue;
    rmSync(join(parent, name), { recursive: true, force: true });
  }
}

/**
 * The runtime for workers of another user, in `parent` (default: the system's temp folder).
 * Nothing is written until first asked for; what fails to build throws (the worker's start
 * fails with its message).
 */
export function createAppRuntime(parent = tmpdir()): AppRuntime {
  let dir: string | undefined;
  let bun: string | undefined;
  // Keyed by the server's own files (the guest entry and its preload list): a handful, never input.
  const modules = new Map<string, string>();

  const folder = (): string => {
    if (dir) return dir;
    sweep(parent);
    const made = join(parent, `${PREFIX}${process.pid}`);
    rmSync(made, { recursive: true, force: true });
    mkdirSync(made, { mode: 0o755 });
    chmodSync(made, 0o755); // whatever the umask
    if (!reachableByOthers(made, 0o005)) {
      rmSync(made, { recursive: true, force: true });
      throw new Error(
        `the runtime folder ${made} is not reachable by the app user: give its parents o+x or set TMPDIR`,
      );
    }
    dir = made;
    return made;
  };

  return {
    bun: () => {
      if (bun) return bun;
      if (reachableByOthers(process.execPath, 0o005)) {
        bun = process.execPath;
        return bun;
      }
      const copy = join(folder(), "bun");
      try {
        linkSync(process.execPath, copy); // same filesystem: no copy, same inode (so same mode)
      } catch {
        copyFileSync(process.execPath, copy);
      }
      if ((statSync(copy).mode & 0o005) !== 0o005) {
        // A link shares the original's mode, which others may not have: a copy of its own.
        rmSync(copy);
        copyFileSync(process.execPath, copy);
      }
      chmodSync(copy, 0o755);
      bun = copy;
      return bun;
    },
    module: (file) => {
      const known = modules.get(file);
      if (known) return known;
      const out = join(folder(), `${modules.size}-${basename(file).replace(/\.[^.]*$/, "")}.js`);
      const result = Bun.spawnSync([process.execPath, "build", file, "--target=bun", `--outfile=${out}`], {
        stdout: "ignore",
        stderr: "pipe",
      });
      if (result.exitCode !== 0) throw new Error(`could not bundle ${file} for process workers: ${result.stderr}`);
      chmodSync(out, 0o644);
      modules.set(file, out);
      return out;
    },
    close: () => {
      if (dir) rmSync(dir, { recursive: true, force: true });
      dir = undefined;
      bun = undefined;
      modules.clear();
    },
  };
}
