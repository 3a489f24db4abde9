/**
 * The `files` store: one node's state in `BUNTIME_DATA_DIR` (keys, shared-mode policies, releases), with
 * `APPS_DIR` as the truth for deployments (no deployment store), this node alone in the node
 * list, and leases held within this process.
 */
import { mkdir, readFile } from "node:fs/promises";
import { dirname, join } from "node:path";
import { z } from "zod";
import { removeStaleTemps, writeFileAtomic } from "../util/atomic-write.ts";
import { watchFile } from "../util/watch-file.ts";
import { fileKeyStore } from "./file-key-store.ts";
import { withFileLock } from "./file-lock.ts";
import { fileReleaseStore } from "./file-release-store.ts";
import { jsonFile } from "./json-file.ts";
import { StoreError } from "./keys.ts";
import type { LeaseStore } from "./leases.ts";
import type { NodeRecord, NodeStore } from "./nodes.ts";
import type { PolicyDocStore } from "./policies.ts";
import type { Store } from "./store.ts";

/** The shared-mode policy file's name inside the data folder. */
export const POLICY_FILE = "policies.json";

/** The store over `dataDir`. */
export function fileStore(dataDir: string): Store {
  return {
    kind: "files",
    name: `files in ${dataDir}`,
    keys: fileKeyStore(dataDir),
    policies: filePolicyDocStore(join(dataDir, POLICY_FILE)),
    deployments: undefined,
    nodes: memoryNodeStore(),
    leases: memoryLeaseStore(),
    releases: fileReleaseStore(dataDir),
    connected: () => true,
    onConnection: () => () => {},
    listen: async () => {},
    close: async () => {},
  };
}

/** Policies as a JSON array in `path` (0600, replaced atomically; `update` under the lock file); a missing file holds none. */
export function filePolicyDocStore(path: string): PolicyDocStore {
  const listeners = new Set<() => void>();
  const store: PolicyDocStore = {
    name: `policy file ${path}`,
    async read() {
      let text: string;
      try {
        text = await readFile(path, "utf8");
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code === "ENOENT") return [];
        throw new StoreError("STORE_UNAVAILABLE", `policy file ${path}: ${(error as Error).message}`);
      }
      try {
        return JSON.parse(text);
      } catch (error) {
        throw new StoreError("STORE_CORRUPT", `policy file ${path} is not valid JSON: ${(error as Error).message}`);
      }
    },
    async write(sources) {
      await mkdir(dirname(path), { recursive: true, mode: 0o700 });
      await writeFileAtomic(path, `${JSON.stringify(sources, null, 2)}\n`, { mode: 0o600 });
      for (const listener of listeners) listener();
    },
    async update(mutate) {
      await mkdir(dirname(path), { recursive: true, mode: 0o700 });
      await withFileLock(`${path}.lock`, async () => {
        await removeStaleTemps(path); // a writer killed before its rename left one
        const next = mutate(await store.read());
        if (next !== undefined) await store.write(next);
      });
    },
    subscribe(listener) {
      // Its own writes at once; the file's changes by other processes (BUNTIME_PROCESSES) as they land.
      listeners.add(listener);
      const unwatch = watchFile(path, listener);
      return () => {
        listeners.delete(listener);
        unwatch();
      };
    },
  };
  return store;
}

/** Heartbeats kept in memory: without a shared store the cluster is this node. */
export function memoryNodeStore(): NodeStore {
  const nodes = new Map<string, NodeRecord>();
  return {
    async heartbeat(node) {
      nodes.set(node.id, { ...node, lastSeen: new Date().toISOString() });
    },
    async list(withinMs) {
      const since = Date.now() - withinMs;
      return [...nodes.values()].filter((n) => Date.parse(n.lastSeen) >= since);
    },
    async forget(id) {
      nodes.delete(id);
    },
  };
}

/** The lease file's name inside the data folder. */
export const LEASE_FILE = "leases.json";

const leaseFileSchema = z.record(z.string(), z.object({ holder: z.string(), until: z.number() }));
type Leases = z.output<typeof leaseFileSchema>;

/**
 * Leases shared by the processes of one machine (BUNTIME_PROCESSES > 1 without a shared store):
 * `leases.json` in the data folder, changed under its lock file (`json-file.ts`). Expired leases
 * are dropped on every write, so the file holds at most one per schedule that runs.
 */
export function fileLeaseStore(dataDir: string, now: () => number = Date.now): LeaseStore {
  const file = jsonFile(dataDir, LEASE_FILE, {
    what: "lease file",
    schema: leaseFileSchema,
    load: (data): Leases => data,
    serialise: (leases) => `${JSON.stringify(leases)}\n`,
    empty: {} as Leases,
  });
  const live = (leases: Leases, at: number): Leases =>
    Object.fromEntries(Object.entries(leases).filter(([, lease]) => lease.until > at));
  return {
    acquire: (name, holder, ttlMs) =>
      file.change((leases) => {
        const at = now();
        const lease = leases[name];
        if (lease && lease.holder !== holder && lease.until > at) return { result: false };
        return { next: { ...live(leases, at), [name]: { holder, until: at + ttlMs } }, result: true };
      }),
    release: (name, holder) =>
      file.change((leases) => {
        if (leases[name]?.holder !== holder) return { result: undefined };
        const { [name]: _released, ...rest } = leases;
        return { next: live(rest, now()), result: undefined };
      }),
  };
}

/** Leases within this process (one node: nobody else could hold them). */
export function memoryLeaseStore(now: () => number = Date.now): LeaseStore {
  const held = new Map<string, { holder: string; until: number }>();
  return {
    async acquire(name, holder, ttlMs) {
      const lease = held.get(name);
      if (lease && lease.holder !== holder && lease.until > now()) return false;
      held.set(name, { holder, until: now() + ttlMs });
      return true;
    },
    async release(name, holder) {
      if (held.get(name)?.holder === holder) held.delete(name);
    },
  };
}
