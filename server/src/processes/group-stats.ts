/**
 * `/_/stats` of every server process on this machine (docs/cluster.md#processes): with
 * BUNTIME_PROCESSES > 1, the process that answers adds `processes`, one entry per process of the
 * group in index order, each with its pid and its own stats (metrics and live workers), asked
 * over the side channel. A process that does not answer (restarting) has `pid` and `stats` null.
 */
import type { ProcessIdentity } from "./identity.ts";
import { askAll, listenSideChannel } from "./side-channel.ts";

const CHANNEL = "stats";
const PATH = "/stats";

/** One process's entry in `/_/stats`' `processes`. */
export interface ProcessStats {
  index: number;
  pid: number | null;
  stats: unknown;
}

/** The group's stats: this process's on its side channel, everyone's in `processes`. */
export interface GroupStats {
  processes(): Promise<ProcessStats[]>;
  /** Stops answering siblings; idempotent. */
  close(): void;
}

/** Serves `own()` (this process's `/_/stats`) to the siblings and gathers theirs. */
export function groupStats(identity: ProcessIdentity, own: () => unknown): GroupStats {
  const answer = () => ({ pid: process.pid, stats: own() });
  const channel = listenSideChannel(identity, CHANNEL, { [PATH]: answer });
  return {
    async processes() {
      const answers = await askAll(identity, CHANNEL, PATH, answer);
      return answers.map(({ index, value }) => ({ index, pid: value?.pid ?? null, stats: value?.stats ?? null }));
    },
    close: () => channel.close(),
  };
}
