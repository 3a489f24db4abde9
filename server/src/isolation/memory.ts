/**
 * `maxMemory` enforced by the kernel for process-isolated workers: each worker process goes
 * into its own memory cgroup, limited to `hardLimitBytes(maxMemory)`; past it the kernel's OOM
 * killer ends that process (the host sees it die: 502 `WORKER_CRASHED`, the next request gets a
 * new one). cgroup v1 (a `memory` hierarchy) and v2 (`memory.max`, where the server's cgroup
 * delegates the memory controller) are both tried; without either the heap watcher (a graceful
 * recycle at `maxMemory`, `instance.ts`) is all there is, and that is reported (`warning`).
 * Hand-written: no maintained npm package manages cgroups.
 *
 * Without a cgroup, an address-space limit (`RLIMIT_AS`, set by `/bin/sh` before Bun starts:
 * `limitedBy`) is the fallback: Bun needs ~512 MB of address space just to start (JavaScriptCore
 * reserves it), so that limit is never below 1 GB and is coarse for a small `maxMemory`; it is
 * reported as such.
 */
import { existsSync, mkdirSync, readdirSync, readFileSync, rmdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";

const MB = 1024 * 1024;
let nextLimiter = 1;
/** Room above `maxMemory` for the runtime itself (a Bun process's own RSS is ~30–40 MB). */
const RUNTIME_ALLOWANCE_MB = 64;

/**
 * The kernel's limit for a worker with `maxMemory` MB: twice its heap limit plus the runtime's
 * own. The heap watcher recycles gracefully once the heap passes `maxMemory` (after the request
 * that passed it); a heap's RSS is ~1.3× the heap (measured: 95 MB of heap, 163 MB RSS), so the
 * request that crosses the line must fit below the hard stop, which is for what grows past it.
 */
export function hardLimitBytes(maxMemoryMb: number): number {
  return Math.round((maxMemoryMb * 2 + RUNTIME_ALLOWANCE_MB) * MB);
}

/** One worker's cgroup: put the process in it, then release it once the process is gone. */
export interface MemoryCage {
  /** The command that starts the worker, given the plain one (an address-space limit wraps it). */
  wrap(argv: string[]): string[];
  /** Moves `pid` into the cage (before the app is loaded). */
  enter(pid: number): void;
  /** Pids in the cage: the worker and any process it started, however detached. */
  members(): number[];
  /** Whether the kernel's OOM killer ended a process in it. */
  oomKilled(): boolean;
  /** Removes the cgroup (its processes must be gone). */
  release(): void;
}

/** How this machine limits a worker's memory. */
export interface MemoryLimiter {
  readonly kind: "cgroup-v1" | "cgroup-v2" | "rlimit" | "watcher";
  /** What the kernel cannot enforce here, when `kind` is `rlimit` or `watcher`. */
  readonly warning?: string;
  /**
   * A cage of `bytes`, or undefined when the kernel cannot (kind `watcher`). Without `bytes`, a
   * cgroup with no limit of its own, only to hold every process the worker starts (a subprocess
   * that left its process group with `setsid` included); undefined unless the kind is a cgroup.
   */
  cage(name: string, bytes?: number): MemoryCage | undefined;
  /** Removes the server's own cgroup folder (at shutdown). */
  close(): void;
}

/** The server's cgroup path in a hierarchy, from `/proc/self/cgroup` (`id:controllers:path`). */
function ownCgroup(match: (controllers: string, id: string) => boolean): string | undefined {
  const text = readFileSync("/proc/self/cgroup", "utf8");
  for (const line of text.split("\n")) {
    const [id, controllers, ...path] = line.split(":");
    if (id !== undefined && controllers !== undefined && match(controllers, id)) return path.join(":");
  }
  return undefined;
}

const write = (path: string, value: string) => writeFileSync(path, value);

function readPids(dir: string): number[] {
  try {
    return readFileSync(join(dir, "cgroup.procs"), "utf8").split("\n").filter(Boolean).map(Number);
  } catch {
    return [];
  }
}

function cageIn(
  dir: string,
  limitFiles: string[],
  bytes: number | undefined,
  oomFile: string,
  oomKey: string,
): MemoryCage {
  mkdirSync(dir);
  // v1 refuses a memsw limit below the memory one, so memory first. None given: the parent's.
  if (bytes !== undefined) {
    for (const file of limitFiles) if (existsSync(join(dir, file))) write(join(dir, file), String(bytes));
  }
  return {
    wrap: (argv) => argv,
    enter: (pid) => write(join(dir, "cgroup.procs"), String(pid)),
    members: () => readPids(dir),
    oomKilled: () => {
      try {
        const line = readFileSync(join(dir, oomFile), "utf8")
          .split("\n")
          .find((l) => l.startsWith(`${oomKey} `));
        return Number(line?.split(" ")[1] ?? 0) > 0;
      } catch {
        return false;
      }
    },
    release: () => {
      try {
        rmdirSync(dir);
      } catch {
        // still busy (a member not yet reaped) or gone: the server's folder removal retries
      }
    },
  };
}

/** Tries a memory cgroup v1 folder of our own under the server's. */
function tryV1(root: string, name: string): string | undefined {
  const own = ownCgroup((controllers) => controllers.split(",").includes("memory"));
  if (own === undefined) return undefined;
  const parent = join(root, "memory", own);
  if (!existsSync(join(parent, "memory.limit_in_bytes"))) return undefined;
  sweepStale(parent);
  const base = join(parent, name);
  mkdirSync(base, { recursive: true });
  return base;
}

/** Folder names this module creates: `buntime-<server pid>-<limiter>`. */
const FOLDER = /^buntime-(\d+)-\d+$/;

/**
 * Cleans up after servers that are gone (killed before they could): kills what is left in their
 * workers' cgroups (a worker blocked in a system call when its server died, and whatever it
 * started, however detached), then removes the folders (the kernel keeps them until removed).
 */
function sweepStale(parent: string): void {
  for (const entry of readdirSync(parent)) {
    const pid = FOLDER.exec(entry)?.[1];
    if (pid === undefined || existsSync(`/proc/${pid}`)) continue;
    const folder = join(parent, entry);
    for (const worker of readdirSync(folder)) {
      if (!worker.startsWith("w")) continue;
      for (const member of readPids(join(folder, worker))) {
        try {
          process.kill(member, "SIGKILL");
        } catch {
          // gone
        }
      }
    }
    removeTree(folder);
  }
}

/** Removes a server's cgroup folder and its workers' (only empty ones can go; others stay). */
function removeTree(folder: string): void {
  try {
    for (const entry of readdirSync(folder)) {
      if (!entry.startsWith("w")) continue;
      try {
        rmdirSync(join(folder, entry));
      } catch {
        // a process not yet reaped keeps it
      }
    }
    rmdirSync(folder);
  } catch {
    // still in use, or gone
  }
}

/** Tries a cgroup v2 folder whose children get the memory controller. */
function tryV2(root: string, name: string): string | undefined {
  const own = ownCgroup((controllers, id) => id === "0" && controllers === "");
  if (own === undefined || !existsSync(join(root, "cgroup.controllers"))) return undefined;
  const parent = join(root, own);
  const delegated = readFileSync(join(parent, "cgroup.subtree_control"), "utf8")
    .split(" ")
    .map((c) => c.trim());
  if (!delegated.includes("memory")) return undefined;
  sweepStale(parent);
  const base = join(parent, name);
  mkdirSync(base, { recursive: true });
  write(join(base, "cgroup.subtree_control"), "+memory");
  return base;
}

/** The least address space a Bun process is given (it does not start with 256 MB; 512 MB does). */
export const ADDRESS_SPACE_FLOOR = 1024 * MB;
/**
 * `/bin/sh` sets the limit, then becomes the worker (`exec`): the limit is in place before Bun
 * starts, which it must be (JavaScriptCore sizes its reservations from it at start: a process
 * that lowers its own limit later aborts at its next reservation). `unset PWD`: dash exports
 * it, and the worker's environment is its config's only. Positional parameters: no quoting.
 */
const LIMIT_SCRIPT = 'ulimit -v "$1" && unset PWD && shift && exec "$@"';

/** `argv` run under an address-space limit of `bytes` (at least ADDRESS_SPACE_FLOOR). */
export function limitedBy(bytes: number, argv: string[]): string[] {
  const kib = Math.ceil(Math.max(bytes, ADDRESS_SPACE_FLOOR) / 1024);
  return ["/bin/sh", "-c", LIMIT_SCRIPT, "buntime-limit", String(kib), ...argv];
}

/** Whether `/bin/sh` can set an address-space limit here (checked once, at start). */
function canLimitAddressSpace(): boolean {
  try {
    const probe = Bun.spawnSync(limitedBy(ADDRESS_SPACE_FLOOR, ["/bin/sh", "-c", "exit 0"]), {
      env: {},
      stdio: ["ignore", "ignore", "ignore"],
    });
    return probe.exitCode === 0;
  } catch {
    return false;
  }
}

/**
 * Finds what this machine offers: a v1 memory cgroup, a v2 one with the controller delegated,
 * else an address-space limit, else the watcher. `root` is where cgroup filesystems are mounted (tests point it elsewhere).
 */
export function createMemoryLimiter(root = "/sys/fs/cgroup"): MemoryLimiter {
  // One folder per limiter: several servers may run in one process (tests, the emulator).
  const name = `buntime-${process.pid}-${nextLimiter++}`;
  const errors: string[] = [];
  for (const [kind, attempt] of [
    ["cgroup-v1", tryV1],
    ["cgroup-v2", tryV2],
  ] as const) {
    let base: string | undefined;
    try {
      base = attempt(root, name);
    } catch (error) {
      errors.push(`${kind}: ${(error as Error).message}`);
    }
    if (base === undefined) continue;
    const folder = base;
    const v1 = kind === "cgroup-v1";
    return {
      kind,
      cage: (worker, bytes) =>
        cageIn(
          join(folder, worker),
          v1 ? ["memory.limit_in_bytes", "memory.memsw.limit_in_bytes"] : ["memory.max", "memory.swap.max"],
          bytes,
          v1 ? "memory.oom_control" : "memory.events",
          "oom_kill",
        ),
      close: () => removeTree(folder),
    };
  }
  const why = errors.length > 0 ? errors.join("; ") : "no memory cgroup this server may create";
  if (canLimitAddressSpace()) {
    return {
      kind: "rlimit",
      warning: `maxMemory is enforced as an address-space limit (${why}): never below ${ADDRESS_SPACE_FLOOR / MB} MB, which Bun needs to start, so a smaller maxMemory is held only by the heap watcher up to that`,
      cage: (_worker, bytes) =>
        bytes === undefined
          ? undefined
          : {
              wrap: (argv) => limitedBy(bytes, argv),
              enter: () => {},
              members: () => [],
              oomKilled: () => false,
              release: () => {},
            },
      close: () => {},
    };
  }
  return {
    kind: "watcher",
    warning: `maxMemory is not enforced by the kernel (${why}): the heap watcher recycles a worker over it, a fast allocation can pass it`,
    cage: () => undefined,
    close: () => {},
  };
}
