/**
 * A server that is not root (run here as `nobody`): its workers share its uid, so what
 * isolation still guarantees is that they cannot read its `/proc/<pid>/environ` (it makes
 * itself non-dumpable), and that what it cannot enforce is in its report.
 */
import { afterAll, beforeAll, expect, test } from "bun:test";
import { chmodSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

const root = process.getuid?.() === 0;
let dir: string;

/** A "server" as nobody that calls createIsolation (or not), reports, and waits. */
const SERVER = (isolate: boolean) => `
import { createIsolation } from ${JSON.stringify(join(import.meta.dir, "isolation.ts"))};
import { silentLogger } from ${JSON.stringify(join(import.meta.dir, "../util/log.ts"))};
const report = ${isolate} ? createIsolation({ floor: "process", appUser: "nobody", appsDir: "/nowhere", secrets: [], logger: silentLogger, cgroupRoot: ${JSON.stringify(tmpdir())} }).report : null;
console.log(JSON.stringify(report));
setInterval(() => {}, 1000);
`;

/** What another process of the same user gets reading `path`: "read" or the error code. */
const READER = `try { require("node:fs").readFileSync(process.argv[2]); console.log("read"); } catch (e) { console.log(e.code); }`;

const asNobody = { uid: 65534, gid: 65534 };

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), "non-root-"));
  chmodSync(dir, 0o755);
  writeFileSync(join(dir, "isolated.ts"), SERVER(true), { mode: 0o644 });
  writeFileSync(join(dir, "plain.ts"), SERVER(false), { mode: 0o644 });
  writeFileSync(join(dir, "reader.ts"), READER, { mode: 0o644 });
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** Starts `script` as nobody with a secret in its env; its report; what a same-uid reader gets of its environ. */
async function run(script: string): Promise<{ report: unknown; environ: string }> {
  const server = Bun.spawn([process.execPath, join(dir, script)], {
    env: { SECRET: "s3cret" },
    stdout: "pipe",
    ...asNobody,
  });
  try {
    const reader = server.stdout.getReader();
    const { value } = await reader.read();
    const report = JSON.parse(new TextDecoder().decode(value).split("\n")[0] ?? "null");
    const probe = Bun.spawn([process.execPath, join(dir, "reader.ts"), `/proc/${server.pid}/environ`], {
      env: {},
      stdout: "pipe",
      ...asNobody,
    });
    return { report, environ: (await new Response(probe.stdout).text()).trim() };
  } finally {
    server.kill();
  }
}

test.if(root)("a process of the same user reads a plain server's environ (the control)", async () => {
  expect((await run("plain.ts")).environ).toBe("read");
});

test.if(root)(
  "not root: the server is non-dumpable, its environ closed to its workers; the report says what is not enforced",
  async () => {
    const { report, environ } = await run("isolated.ts");
    expect(environ).toBe("EACCES");
    expect(report).toMatchObject({ floor: "process", process: { user: null } });
    const { warnings } = (report as { process: { warnings: string[] } }).process;
    expect(warnings.some((w) => w.startsWith("the server is not root"))).toBe(true);
    expect(warnings.some((w) => w.includes("environ and mem stay readable"))).toBe(false);
  },
);
