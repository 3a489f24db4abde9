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
import { decideClaim, finishedRecord, type LeaseStore, type RunRecord } from "./leases.ts";
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

const leaseFileSchema = z.record(
  z.string(),
  // `due` absent: a record of an older release (a lease without a due time), which any due time passes.
  z.object({ due: z.number().default(0), holder: z.string(), until: z.number() }),
);
type Leases = z.output<typeof leaseFileSchema>;

/** How long a schedule's record is kept after its last due time: a timer a day late is no timer. */
const RECORD_KEPT_MS = 24 * 60 * 60 * 1000;

/**
 * Schedule runs claimed by the processes of one machine (BUNTIME_PROCESSES > 1 without a shared
 * store): `leases.json` in the data folder, changed under its lock file (`json-file.ts`). One
 * record per schedule; a record a day past its last due time is dropped on the next write.
 */
export function fileLeaseStore(dataDir: string, now: () => number = Date.now): LeaseStore {
  const file = jsonFile(dataDir, LEASE_FILE, {
    what: "lease file",
    schema: leaseFileSchema,
    load: (data): Leases => data,
    serialise: (leases) => `${JSON.stringify(leases)}\n`,
    empty: {} as Leases,
  });
  const kept = (leases: Leases, at: number): Leases =>
    Object.fromEntries(Object.entries(leases).filter(([, record]) => record.due > at - RECORD_KEPT_MS));
  return {
    claim: (name, holder, due, ttlMs) =>
      file.change((leases) => {
        const at = now();
        const { claim, next } = decideClaim(leases[name], holder, due, at, ttlMs);
        return next ? { next: { ...kept(leases, at), [name]: next }, result: claim } : { result: claim };
      }),
    finish: (name, holder) =>
      file.change((leases) => {
        const next = finishedRecord(leases[name], holder);
        return next ? { next: { ...leases, [name]: next }, result: undefined } : { result: undefined };
      }),
  };
}

/** Schedule runs within this process (one node: nobody else could claim them). */
export function memoryLeaseStore(now: () => number = Date.now): LeaseStore {
  const records = new Map<string, RunRecord>();
  return {
    async claim(name, holder, due, ttlMs) {
      const { claim, next } = decideClaim(records.get(name), holder, due, now(), ttlMs);
      if (next) records.set(name, next);
      return claim;
    },
    async finish(name, holder) {
      const next = finishedRecord(records.get(name), holder);
      if (next) records.set(name, next);
    },
  };
}
