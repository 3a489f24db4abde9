/**
 * Prometheus' `promtool` for tests, obtained without root so that `npm test` passes on a fresh
 * machine: `$PROMTOOL` when set, else `promtool` on PATH, else a copy taken from Debian's
 * `prometheus` package into a cache folder (`apt-get download` + `dpkg-deb -x`, both unprivileged).
 * When the system's apt lists are missing or stale, apt fetches private lists into the cache
 * (`apt-get update` with `Dir::State::Lists` pointed there, which needs no root either).
 *
 * @example
 * let promtool: string;
 * beforeAll(async () => {
 *   promtool = await obtainPromtool();
 * }, 300_000);
 */
import { existsSync, mkdirSync, mkdtempSync, readdirSync, renameSync, rmSync } from "node:fs";
import { join, resolve } from "node:path";

/** Where the extracted promtool is kept between runs (gitignored; outside node_modules, so `npm ci` keeps it). */
export const DEFAULT_PROMTOOL_CACHE = resolve(import.meta.dir, "../../.cache/promtool");

export interface PromtoolOptions {
  /** The cache folder; default DEFAULT_PROMTOOL_CACHE. */
  cacheDir?: string;
  /** The environment to look in and run apt with (`PROMTOOL`, `PATH`); default process.env. */
  env?: Record<string, string | undefined>;
}

/**
 * The path of a runnable promtool.
 * @throws Error naming what was tried, when promtool is nowhere and apt cannot fetch it
 */
export async function obtainPromtool(options: PromtoolOptions = {}): Promise<string> {
  const env = options.env ?? process.env;
  if (env.PROMTOOL) return env.PROMTOOL;
  const onPath = Bun.which("promtool", { PATH: env.PATH ?? "" });
  if (onPath) return onPath;
  const cacheDir = options.cacheDir ?? DEFAULT_PROMTOOL_CACHE;
  const cached = join(cacheDir, "promtool");
  if (existsSync(cached)) return cached;
  mkdirSync(cacheDir, { recursive: true });
  // A private work folder, renamed into place at the end: concurrent runs never see half a file.
  const work = mkdtempSync(join(cacheDir, "work-"));
  try {
    await downloadPackage(work, env);
    const deb = readdirSync(work).find((file) => file.startsWith("prometheus_") && file.endsWith(".deb"));
    if (!deb) throw new Error(`apt-get download left no prometheus_*.deb in ${work}`);
    await run(["dpkg-deb", "-x", deb, "root"], work, env);
    renameSync(join(work, "root/usr/bin/promtool"), cached);
    return cached;
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}

/** `apt-get download prometheus` into `work`: with the system's lists, else with private ones. */
async function downloadPackage(work: string, env: Record<string, string | undefined>): Promise<void> {
  const system = await run(["apt-get", "-q", "download", "prometheus"], work, env).catch((error: Error) => error);
  if (!(system instanceof Error)) return;
  const lists = join(work, "apt/lists");
  mkdirSync(join(lists, "partial"), { recursive: true });
  const own = [`-o`, `Dir::State::Lists=${lists}`, `-o`, `Dir::Cache=${join(work, "apt/cache")}`];
  try {
    await run(["apt-get", "-q", ...own, "-o", "Debug::NoLocking=1", "update"], work, env);
    await run(["apt-get", "-q", ...own, "download", "prometheus"], work, env);
  } catch (error) {
    throw new Error(
      "promtool is not on PATH and could not be fetched with apt " +
        "(install Debian's prometheus package, or set PROMTOOL to a promtool binary)\n" +
        `with the system's apt lists: ${system.message}\nwith private lists: ${(error as Error).message}`,
    );
  }
}

/** Runs `command` in `cwd`; rejects with its output when it exits non-zero or cannot start. */
async function run(command: string[], cwd: string, env: Record<string, string | undefined>): Promise<void> {
  let child: Bun.Subprocess<"ignore", "pipe", "pipe">;
  try {
    child = Bun.spawn(command, { cwd, env, stdin: "ignore", stdout: "pipe", stderr: "pipe" });
  } catch (error) {
    throw new Error(`${command[0]}: ${(error as Error).message}`);
  }
  const [out, err, code] = await Promise.all([
    new Response(child.stdout).text(),
    new Response(child.stderr).text(),
    child.exited,
  ]);
  if (code !== 0) throw new Error(`${command.join(" ")} exited ${code}: ${(err || out).trim()}`);
}
