import { existsSync } from "node:fs";
import { join } from "node:path";
import { BuntimeError } from "../errors.ts";
import type { Logger } from "../util/log.ts";
import type { AppVersion } from "./config.ts";
import { versionKey } from "./version-key.ts";

const INSTALL_TIMEOUT_MS = 5 * 60_000;

/** The `bun` to install with: this process's, unless it is a compiled Buntime binary (then PATH's). */
function bunBinary(): string {
  return import.meta.url.includes("$bunfs") ? (Bun.which("bun") ?? "bun") : process.execPath;
}
const TAIL_BYTES = 2000;

/**
 * `autoInstall`: runs `bun install` in an app version's folder once, before its first worker.
 * Concurrent first requests share the one run. A failure is remembered until the version
 * changes on disk (a new `AppVersion`), so a broken install is not retried on every request.
 */
export class Installer {
  readonly #runs = new WeakMap<AppVersion, Promise<void>>();
  readonly #logger: Logger;

  constructor(logger: Logger) {
    this.#logger = logger;
  }

  /** Resolves once the app's dependencies are installed; rejects with WORKER_START_FAILED. */
  ensure(app: AppVersion): Promise<void> {
    let run = this.#runs.get(app);
    if (!run) {
      run = this.#install(app);
      this.#runs.set(app, run);
    }
    return run;
  }

  async #install(app: AppVersion): Promise<void> {
    const frozen = ["bun.lock", "bun.lockb"].some((file) => existsSync(join(app.dir, file)));
    const cmd = [bunBinary(), "install", ...(frozen ? ["--frozen-lockfile"] : []), "--no-progress"];
    const started = performance.now();
    this.#logger.info("installing app dependencies", { app: versionKey(app.name, app.version), frozen });
    const child = Bun.spawn(cmd, {
      cwd: app.dir,
      // An explicit, minimal environment: the server's own variables never reach the installer.
      env: {
        PATH: process.env.PATH ?? "/usr/local/bin:/usr/bin:/bin",
        HOME: process.env.HOME ?? "/tmp",
        TMPDIR: process.env.TMPDIR ?? "/tmp",
        NO_COLOR: "1",
        CI: "1",
      },
      stdout: "pipe",
      stderr: "pipe",
      timeout: INSTALL_TIMEOUT_MS,
    });
    const [stdout, stderr, code] = await Promise.all([
      new Response(child.stdout).text(),
      new Response(child.stderr).text(),
      child.exited,
    ]);
    const ms = Math.round(performance.now() - started);
    if (code === 0) {
      this.#logger.info("installed app dependencies", { app: versionKey(app.name, app.version), ms });
      return;
    }
    const tail = `${stdout}\n${stderr}`.trim().slice(-TAIL_BYTES);
    this.#logger.error("bun install failed", { app: versionKey(app.name, app.version), code, ms, output: tail });
    throw new BuntimeError(
      "WORKER_START_FAILED",
      `${versionKey(app.name, app.version)}: bun install exited with ${code ?? "a signal"}: ${tail}`,
    );
  }
}
