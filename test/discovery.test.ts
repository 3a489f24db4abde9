/**
 * docs/configuration.md#apps-on-disk: apps added, removed or changed on disk are seen without a
 * restart, within two seconds; anything in APPS_DIR that is not `<name>/<semver>/` is ignored.
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { cpSync, mkdirSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import type { RunningServer } from "../server/src/server.ts";
import { type Logger, silentLogger } from "../server/src/util/log.ts";
import { eventually, startTestServer, tempAppsDir } from "./_setup.ts";

const SEEN_WITHIN_MS = 2000;

/** An app that answers `label`, its env and an id made once per worker. */
const appSource = (label: string) =>
  `const workerId = crypto.randomUUID();
export default { fetch: () => Response.json({ label: ${JSON.stringify(label)}, workerId, env: { ...process.env } }) };
`;

interface Answer {
  status: number;
  app: string | null;
  body: { label?: string; workerId?: string; env?: Record<string, string>; error?: { code: string } };
}

const apps = tempAppsDir("hello");
let server: RunningServer;
/** The warnings the server logged, by the path they name. */
const warnings: string[] = [];

async function get(path: string): Promise<Answer> {
  const res = await fetch(new URL(path, server.url));
  return { status: res.status, app: res.headers.get("x-buntime-app"), body: (await res.json()) as Answer["body"] };
}

function writeApp(name: string, version: string, files: Record<string, string>): void {
  const dir = join(apps.dir, name, version);
  mkdirSync(dir, { recursive: true });
  for (const [file, text] of Object.entries(files)) writeFileSync(join(dir, file), text);
}

beforeAll(async () => {
  writeApp("live", "1.0.0", { "index.ts": appSource("v1"), "worker.jsonc": '{ "env": { "MODE": "first" } }' });
  // Things that are not apps: all must be ignored, and must not stop the rest from serving.
  writeApp("Bad_Name", "1.0.0", { "index.ts": appSource("bad name") });
  writeApp("-dash", "1.0.0", { "index.ts": appSource("bad name") });
  writeApp("hello", "v9.0.0", { "index.ts": appSource("v-prefixed version") });
  writeApp("hello", "9.0", { "index.ts": appSource("partial version") });
  writeApp("hello", "latest", { "index.ts": appSource("tag, not a version") });
  writeFileSync(join(apps.dir, "README.md"), "a file at the top level");
  writeFileSync(join(apps.dir, "hello", "notes.txt"), "a file among the versions");
  writeFileSync(join(apps.dir, "notafolder"), "a file where an app folder would be");
  // The server logs through children of its logger (its node id on every line): they record too.
  const logger: Logger = {
    ...silentLogger,
    warn: (_msg, fields) => warnings.push(String(fields?.path)),
    child: () => logger,
  };
  server = await startTestServer({ APPS_DIR: apps.dir }, { logger });
});
afterAll(async () => {
  await server.stop();
  apps.remove();
});

describe("invalid entries in APPS_DIR", () => {
  test("the valid apps still serve", async () => {
    expect(await get("/hello/")).toMatchObject({ status: 200, app: "hello@2.0.0" });
    expect(await get("/live/")).toMatchObject({ status: 200, body: { label: "v1" } });
  });

  test("version folders that are not canonical semver are never served", async () => {
    // Were `v9.0.0` or `9.0` taken for versions, they would be the highest.
    expect((await get("/hello@9/")).body.error?.code).toBe("VERSION_NOT_FOUND");
    expect((await get("/hello@9.0.0/")).body.error?.code).toBe("VERSION_NOT_FOUND");
    expect((await get("/hello/")).app).toBe("hello@2.0.0");
  });

  test("a file at the top level is not an app", async () => {
    expect((await get("/notafolder/")).body.error?.code).toBe("APP_NOT_FOUND");
  });

  test("each is warned about once, however often the disk is read again", () => {
    for (let i = 0; i < 3; i++) server.catalog.refresh();
    const ignored = [
      "Bad_Name",
      "-dash",
      "hello/v9.0.0",
      "hello/9.0",
      "hello/latest",
      "README.md",
      "hello/notes.txt",
      "notafolder",
    ];
    for (const entry of ignored) {
      expect(warnings.filter((path) => path === join(apps.dir, entry))).toHaveLength(1);
    }
  });
});

describe("changes on disk, without a restart", () => {
  test("a new version folder is served", async () => {
    cpSync(join(apps.dir, "hello/2.0.0"), join(apps.dir, "hello/2.1.0"), { recursive: true });
    writeFileSync(join(apps.dir, "hello/2.1.0/index.ts"), appSource("added 2.1.0"));
    await eventually(async () => (await get("/hello/")).app === "hello@2.1.0", SEEN_WITHIN_MS);
    expect((await get("/hello@2.1.0/")).body.label).toBe("added 2.1.0");
  });

  test("a removed version folder is no longer served", async () => {
    rmSync(join(apps.dir, "hello/2.1.0"), { recursive: true });
    await eventually(async () => (await get("/hello@2.1.0/")).status === 404, SEEN_WITHIN_MS);
    expect((await get("/hello@2.1.0/")).body.error?.code).toBe("VERSION_NOT_FOUND");
    expect((await get("/hello/")).app).toBe("hello@2.0.0");
  });

  test("a new app is served, and a removed app is APP_NOT_FOUND", async () => {
    writeApp("newcomer", "0.1.0", { "index.ts": appSource("newcomer") });
    await eventually(async () => (await get("/newcomer/")).status === 200, SEEN_WITHIN_MS);
    expect((await get("/newcomer/")).body.label).toBe("newcomer");
    rmSync(join(apps.dir, "newcomer"), { recursive: true });
    await eventually(async () => (await get("/newcomer/")).status === 404, SEEN_WITHIN_MS);
    expect((await get("/newcomer/")).body.error?.code).toBe("APP_NOT_FOUND");
  });

  test("an edited worker.jsonc applies on a fresh worker", async () => {
    const before = await get("/live/");
    expect(before.body.env).toEqual({ MODE: "first" });
    writeFileSync(join(apps.dir, "live/1.0.0/worker.jsonc"), '{ "env": { "MODE": "second" } }');
    await eventually(async () => (await get("/live/")).body.env?.MODE === "second", SEEN_WITHIN_MS);
    const after = await get("/live/");
    expect(after.body.env).toEqual({ MODE: "second" });
    expect(after.body.workerId).not.toBe(before.body.workerId);
  });

  test("an edited index.ts is served by a fresh worker", async () => {
    const before = await get("/live/");
    expect(before.body.label).toBe("v1");
    writeFileSync(join(apps.dir, "live/1.0.0/index.ts"), appSource("v2"));
    await eventually(async () => (await get("/live/")).body.label === "v2", SEEN_WITHIN_MS);
    expect((await get("/live/")).body.workerId).not.toBe(before.body.workerId);
  });

  test("a version added with its code written after the folder is served once complete", async () => {
    // mkdir first, files later: an early look at the empty folder must not stick.
    mkdirSync(join(apps.dir, "live/1.1.0"));
    await eventually(async () => (await get("/live@1.1.0/")).status !== 404, SEEN_WITHIN_MS);
    writeFileSync(join(apps.dir, "live/1.1.0/index.ts"), appSource("late code"));
    await eventually(async () => (await get("/live@1.1.0/")).body.label === "late code", SEEN_WITHIN_MS);
  });

  test("a config broken on disk is reported, and its repair is seen", async () => {
    writeFileSync(join(apps.dir, "live/1.0.0/worker.jsonc"), '{ "timeout": "soon" }');
    await eventually(async () => (await get("/live@1.0.0/")).body.error?.code === "APP_CONFIG_INVALID", SEEN_WITHIN_MS);
    writeFileSync(join(apps.dir, "live/1.0.0/worker.jsonc"), '{ "env": { "MODE": "repaired" } }');
    await eventually(async () => (await get("/live@1.0.0/")).body.env?.MODE === "repaired", SEEN_WITHIN_MS);
  });
});
