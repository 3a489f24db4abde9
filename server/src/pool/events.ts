import { EventEmitter } from "node:events";
import type { VersionKey } from "../apps/version-key.ts";
import type { LogLine } from "../protocol/protocol.ts";

/** Why a worker was recycled (gracefully replaced) or terminated. */
export type StopReason =
  | "ttl"
  | "idle"
  | "max-requests"
  | "max-memory"
  | "timeout"
  | "unresponsive"
  | "changed"
  | "removed"
  | "evicted"
  | "start-failed"
  | "crashed"
  | "shutdown";

export interface WorkerRef {
  key: VersionKey;
  workerId: number;
}

/** The pool's lifecycle events, for monitoring, plugins and the emulator. */
export interface PoolEvents {
  spawn: [WorkerRef];
  ready: [WorkerRef & { startMs: number }];
  recycle: [WorkerRef & { reason: StopReason }];
  terminate: [WorkerRef & { reason: StopReason }];
  crash: [WorkerRef & { message: string }];
  /**
   * A worker stayed blocked after `terminate()` and was given up on (`thread-exit.ts`); it had
   * `requests` in flight; `thread`: it was a thread (a process that does not go is rarer still).
   * Its `terminate` event came just before.
   */
  abandon: [WorkerRef & { requests: number; thread: boolean }];
  /** Lines the app wrote (docs/logs.md), and how many it wrote beyond its rate since the last. */
  log: [WorkerRef & { lines: LogLine[]; dropped: number }];
}

/** One typed emitter for every lifecycle event of the pool. */
export class PoolEmitter extends EventEmitter<PoolEvents> {}
