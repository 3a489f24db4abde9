/**
 * Finds the load generator: `wrk` if on PATH; else, when running as root on Debian/Ubuntu,
 * installs it with apt-get; else prints how to install it and falls back to autocannon.
 * `bun bench/setup.ts` runs this alone (to install wrk before a timed run).
 */
import { autocannonGenerator } from "./load/autocannon.ts";
import type { LoadGenerator } from "./load/load.ts";
import { wrkGenerator } from "./load/wrk.ts";

const INSTALL_HINT = [
  "wrk is not installed, and this is not a root shell with apt-get. Install it with:",
  "  Debian/Ubuntu: sudo apt-get install wrk",
  "  Fedora:        sudo dnf install wrk",
  "  macOS:         brew install wrk",
  "Falling back to autocannon (npm, run with `bun x`); its absolute numbers are lower than wrk's.",
].join("\n");

/** The load generator to use, installing wrk first when that is possible. */
export async function ensureLoadGenerator(log: (line: string) => void): Promise<LoadGenerator> {
  let wrk = Bun.which("wrk");
  if (!wrk && canApt()) {
    log("wrk is missing: installing it with apt-get (Debian package wrk)…");
    if (!aptInstall()) {
      log("apt-get install failed; running apt-get update and trying once more…");
      Bun.spawnSync(["apt-get", "update", "-qq"], { stdout: "ignore", stderr: "inherit" });
      aptInstall();
    }
    wrk = Bun.which("wrk");
  }
  if (wrk) return wrkGenerator(wrk, wrkVersion(wrk));
  log(INSTALL_HINT);
  return autocannonGenerator();
}

function canApt(): boolean {
  return process.getuid?.() === 0 && Bun.which("apt-get") !== null;
}

function aptInstall(): boolean {
  const result = Bun.spawnSync(["apt-get", "install", "-y", "-qq", "--no-install-recommends", "wrk"], {
    env: { ...process.env, DEBIAN_FRONTEND: "noninteractive" },
    stdout: "ignore",
    stderr: "inherit",
  });
  return result.exitCode === 0;
}

/** `wrk -v` prints e.g. "wrk debian/4.1.0-3+b2 [epoll] Copyright …" (and exits 1). */
function wrkVersion(binary: string): string {
  const result = Bun.spawnSync([binary, "-v"], { stdout: "pipe", stderr: "pipe" });
  const text = `${result.stdout.toString()}${result.stderr.toString()}`;
  return /^(wrk \S+)/m.exec(text)?.[1] ?? "wrk";
}

if (import.meta.main) {
  const generator = await ensureLoadGenerator(console.log);
  console.log(`load generator: ${generator.name}`);
}
