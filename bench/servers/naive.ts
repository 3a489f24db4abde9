/**
 * The naive proxy baseline (naive-host.ts): the least a main-thread-to-worker proxy can do; and
 * the runtime's pool alone (pool-host.ts), the same proxy made of the runtime's own parts.
 */
import { join } from "node:path";
import { type ServerHandle, startModuleServer } from "./server.ts";

/** Starts `bun bench/servers/naive-host.ts <module>` on a free port of 127.0.0.1. */
export function startNaive(module: string): Promise<ServerHandle> {
  return startModuleServer("naive proxy", join(import.meta.dir, "naive-host.ts"), module);
}

/** The runtime's worker pool without its request pipeline (pool-host.ts). */
export function startPoolAlone(module: string): Promise<ServerHandle> {
  return startModuleServer("pool alone", join(import.meta.dir, "pool-host.ts"), module);
}
