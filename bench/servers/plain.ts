/** The baseline: the same app module served by plain Bun.serve in the main thread (bench/plain-server.ts). */
import { join } from "node:path";
import { type ServerHandle, spawnServer } from "./server.ts";

const ENTRY = join(import.meta.dir, "../plain-server.ts");

/** Starts `bun bench/plain-server.ts <module>` on a free port of 127.0.0.1. */
export function startPlain(module: string): Promise<ServerHandle> {
  return spawnServer({
    label: "Bun.serve",
    cmd: [process.execPath, ENTRY, module],
    env: { PATH: process.env.PATH ?? "/usr/bin:/bin", HOME: process.env.HOME ?? "/tmp", HOST: "127.0.0.1", PORT: "0" },
    route: (_app, path) => path,
  });
}
