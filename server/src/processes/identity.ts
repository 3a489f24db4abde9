/**
 * What a server process knows of its process group (docs/cluster.md#processes): its index among
 * the BUNTIME_PROCESSES processes sharing PORT on this machine, and the private folder where each
 * listens on its side channel (`side-channel.ts`). The supervisor (`group.ts`) hands both over
 * with the rest of the environment; neither is secret.
 */
import { join } from "node:path";
import { envSchema } from "../constants.ts";

/** The variable holding a server process's index, `0` to `BUNTIME_PROCESSES - 1`. */
export const PROCESS_INDEX_VAR = "BUNTIME_PROCESS_INDEX";
/** The variable holding the group's folder of side-channel sockets (mode 0700, made by the supervisor). */
export const PROCESS_DIR_VAR = "BUNTIME_PROCESS_DIR";

/** One server process's place in its group. */
export interface ProcessIdentity {
  /** This process's index. */
  readonly index: number;
  /** How many processes the group has. */
  readonly count: number;
  /** The folder of side-channel sockets. */
  readonly dir: string;
}

/**
 * This process's place in a group of `count` processes (BUNTIME_PROCESSES, parsed), or undefined
 * when it runs alone (one process, or no supervisor to have said where it stands).
 */
export function processIdentity(
  count: number,
  env: Record<string, string | undefined> = process.env,
): ProcessIdentity | undefined {
  const raw = env[PROCESS_INDEX_VAR] ?? "";
  const index = Number(raw);
  const dir = env[PROCESS_DIR_VAR];
  if (count < 2 || !dir || !/^\d+$/.test(raw) || index >= count) return undefined;
  return { index, count, dir };
}

/** The socket of process `index`'s side channel `channel` (each subsystem has its own). */
export function socketPath(dir: string, index: number, channel: string): string {
  return join(dir, `${index}.${channel}.sock`);
}

/**
 * This process's place in its group, read from `process.env` (BUNTIME_PROCESSES as the env
 * schema parses it: an invalid value has stopped the server at start already, so it counts as 1).
 */
export function currentProcessIdentity(): ProcessIdentity | undefined {
  const parsed = envSchema.shape.BUNTIME_PROCESSES.safeParse(process.env.BUNTIME_PROCESSES || undefined);
  return processIdentity(parsed.success ? parsed.data : 1);
}
