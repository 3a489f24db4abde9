/**
 * Process isolation from a server installed where the app user cannot go (a checkout under
 * `/root`, mode 0700): its workers, run as `nobody`, still start, from a runtime folder the
 * server makes for them (server/src/isolation/app-runtime.ts), which it removes when it stops.
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { chmodSync, cpSync, existsSync, linkSync, mkdirSync, mkdtempSync, readdirSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { call, writeAppCode } from "./_pool-helpers.ts";
import { startServerProcess } from "./_server-process.ts";
import { ROOT } from "./_setup.ts";

/** Answers who it runs as. */
const WHO = "export default { fetch: () => Response.json({ uid: process.getuid(), gid: process.getgid() }) };";

describe.if(process.getuid?.() === 0)("a server installed in a folder closed to the app user", () => {
  let install: string;
  let runtimeParent: string;
  let apps: string;

  beforeAll(() => {
    // /root-like: a root-owned 0700 folder holding the server's sources and its Bun (a hard
    // link: same file, no copy). Its packages resolve from the repository's node_modules above.
    mkdirSync(join(ROOT, ".tmp"), { recursive: true });
    install = mkdtempSync(join(ROOT, ".tmp", "closed-"));
    chmodSync(install, 0o700);
    cpSync(join(ROOT, "server", "src"), join(install, "server", "src"), { recursive: true });
    linkSync(process.execPath, join(install, "bun"));
    // The temp folder, which the app user reaches wherever the repository is.
    runtimeParent = mkdtempSync(join(tmpdir(), "runtime-parent-"));
    chmodSync(runtimeParent, 0o711);
    apps = mkdtempSync(join(tmpdir(), "apps-"));
    chmodSync(apps, 0o711);
    writeAppCode(apps, "who", WHO, { isolation: "process" });
  });
  afterAll(() => {
    for (const dir of [install, runtimeParent, apps]) rmSync(dir, { recursive: true, force: true });
  });

  test("its process workers start as nobody, from a runtime folder removed when it stops", async () => {
    const { proc: server, url } = await startServerProcess(
      {
        APPS_DIR: apps,
        BUNTIME_DATA_DIR: join(install, "data"),
        BUNTIME_SUPERVISOR: "0",
        TMPDIR: runtimeParent,
        LOG_LEVEL: "warn",
      },
      { cmd: [join(install, "bun"), join(install, "server", "src", "index.ts")], cwd: install },
    );
    try {
      const answer = await call(new URL("/who/", url).href);
      expect({ status: answer.status, uid: (answer.body as { uid?: number }).uid }).toEqual({
        status: 200,
        uid: 65534,
      });
      // The runtime folder holds the bundled guest entry (and Bun: its own path is closed).
      const [folder] = readdirSync(runtimeParent);
      expect(folder).toBe(`buntime-runtime-${server.pid}`);
      expect(readdirSync(join(runtimeParent, folder as string)).sort()).toEqual(["0-entry.js", "bun"]);
      server.kill("SIGTERM");
      expect(await server.exited).toBe(0);
      expect(existsSync(join(runtimeParent, folder as string))).toBe(false);
    } finally {
      server.kill("SIGKILL");
    }
  }, 60_000);
});
