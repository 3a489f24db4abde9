/** The baseline: the same app module served by plain Bun.serve in the main thread (bench/plain-server.ts). */
import { join } from "node:path";
import { type ServerHandle, startModuleServer } from "./server.ts";

/** Starts `bun bench/plain-server.ts <module>` on a free port of 127.0.0.1. */
export function startPlain(module: string): Promise<ServerHandle> {
  return startModuleServer("Bun.serve", join(import.meta.dir, "../plain-server.ts"), module);
}
