/** The naive proxy baseline (naive-host.ts): the least a main-thread-to-worker proxy can do. */
import { join } from "node:path";
import { type ServerHandle, spawnServer } from "./server.ts";

const ENTRY = join(import.meta.dir, "naive-host.ts");

/** Starts `bun bench/servers/naive-host.ts <module>` on a free port of 127.0.0.1. */
export function startNaive(module: string): Promise<ServerHandle> {
  return spawnServer({
    label: "naive proxy",
    cmd: [process.execPath, ENTRY, module],
    env: { PATH: process.env.PATH ?? "/usr/bin:/bin", HOME: process.env.HOME ?? "/tmp", HOST: "127.0.0.1", PORT: "0" },
    route: (_app, path) => path,
  });
}
