import type { AppVersion } from "../apps/config.ts";
import type { Logger } from "../util/log.ts";
import type { Clock } from "./clock.ts";
import type { PoolCounters } from "./counters.ts";
import type { PoolEmitter } from "./events.ts";
import type { PoolTiming } from "./timing.ts";
import type { OpenTransport } from "./transport.ts";

/**
 * What a `WorkerInstance` is given by its version pool. `Instance` is `WorkerInstance` (a type
 * parameter rather than an import, so this file and `instance.ts` do not import each other).
 */
export interface InstanceDeps<Instance = unknown> {
  clock: Clock;
  logger: Logger;
  events: PoolEmitter;
  timing: PoolTiming;
  /** The pool's counters: this worker bumps `abandoned` and `leakedThreads`. */
  counters: PoolCounters;
  /** Modules the worker loads before the app. */
  preload: string[];
  /**
   * How this app's workers run (a thread, a child process: `isolation/`). Default: a thread.
   * The pool picks it per app version (`isolation` in its config and the server's floor).
   */
  openTransport?: (app: AppVersion) => OpenTransport;
  /** Resolves with a release once this worker may start (caps concurrent spawns). */
  spawnPermit: () => Promise<() => void>;
  /** Called when a slot frees up or the state changes, so the pool can hand out work. */
  onChange: (instance: Instance) => void;
  /** `server.publish` from an app: every subscriber of a (version-prefixed) topic. */
  publish?: (topic: string, data: string | Uint8Array) => void;
}
