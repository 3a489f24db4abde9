/** The runtime's worker pool without its request pipeline (pool-host.ts), beside the naive proxy. */
import { join } from "node:path";
import { type ServerHandle, startModuleServer } from "./server.ts";

/** Starts `bun bench/servers/pool-host.ts <module>` on a free port of 127.0.0.1. */
export function startPoolAlone(module: string): Promise<ServerHandle> {
  return startModuleServer("pool alone", join(import.meta.dir, "pool-host.ts"), module);
}
