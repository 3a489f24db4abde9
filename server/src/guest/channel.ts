/**
 * The guest's one line to its host, whichever runs it: a Worker thread (`postMessage`) or a
 * child process (`isolation: "process"`: length-prefixed frames on fd 3, `protocol/frames.ts`, so
 * the same `Wire` crosses, its buffers copied instead of transferred). `entry.ts` is the same
 * code in both.
 */
import { CHANNEL_ARG, CHANNEL_FD, frameChannel } from "../protocol/frames.ts";
import type { Wire } from "../protocol/protocol.ts";

declare const self: Worker;

export interface HostChannel {
  /** Sends one post of a `createSender`. */
  post(data: Wire, transfer?: ArrayBuffer[]): void;
  /** Calls `handler` with every post of the host. One handler. */
  listen(handler: (data: unknown) => void): void;
}

/**
 * Whether this is a child process started by the host with a channel on fd 3 (not a Worker
 * thread). Read once: the host's argument is taken out of `process.argv` before the app loads
 * (a strict `util.parseArgs()` in the app would refuse it).
 */
const CHILD_PROCESS = (() => {
  const at = Bun.isMainThread ? process.argv.indexOf(CHANNEL_ARG) : -1;
  if (at !== -1) process.argv.splice(at, 1);
  return at !== -1;
})();

export function isChildProcess(): boolean {
  return CHILD_PROCESS;
}

export function hostChannel(): HostChannel {
  if (!isChildProcess()) {
    return {
      post: (data, transfer) => (transfer ? self.postMessage(data, transfer) : self.postMessage(data)),
      listen: (handler) => {
        self.onmessage = (event: MessageEvent<unknown>) => handler(event.data);
      },
    };
  }
  const channel = frameChannel(CHANNEL_FD);
  return {
    post: (data) => {
      void channel.send(data).catch(endProcessGroup);
    },
    listen: (handler) => {
      // The host gone (its end closed, even killed outright), or what it sent no frames: nothing
      // can reach this process any more, and what the app started must not outlive it either.
      void channel.read(handler).then(endProcessGroup, endProcessGroup);
    },
  };
}

/**
 * Ends this worker and every process of its group (it leads one: the host spawns it detached),
 * so that an app's subprocesses never outlive a host that died without killing them.
 */
function endProcessGroup(): never {
  try {
    // Required here, not imported: a Worker thread never needs node:fs (about 2 ms to load).
    const { readFileSync } = require("node:fs") as typeof import("node:fs");
    const stat = readFileSync("/proc/self/stat", "utf8");
    const group = Number(stat.slice(stat.lastIndexOf(")") + 2).split(" ")[2]);
    if (group === process.pid) process.kill(-group, "SIGKILL");
  } catch {
    // not Linux, or already going
  }
  process.exit(0);
}
