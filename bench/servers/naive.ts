/** The naive proxy baseline (naive-host.ts): the least a main-thread-to-worker proxy can do. */
import { join } from "node:path";
import { type ServerHandle, startModuleServer } from "./server.ts";

/** Starts `bun bench/servers/naive-host.ts <module>` on a free port of 127.0.0.1. */
export function startNaive(module: string): Promise<ServerHandle> {
  return startModuleServer("naive proxy", join(import.meta.dir, "naive-host.ts"), module);
}
