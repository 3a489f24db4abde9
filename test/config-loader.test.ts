/**
 * A `worker.config.ts` is app code run at deploy time: one that posts to the runtime, or whose
 * thread exits, has its deployment refused (400 DEPLOYMENT_INVALID), leaves no loader thread
 * behind, and the server goes on (issue 12, faults 1 and 3; docs/routes.md#deployments).
 */
import { afterAll, beforeAll, expect, test } from "bun:test";
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { configLoaderThreads } from "../server/src/apps/config-module.ts";
import { FIXTURE_APPS, startTestServer, stopThenRemove, type TestServer, tempAppsDir } from "./_setup.ts";
import { tarGz } from "./support/archives.ts";

let apps: ReturnType<typeof tempAppsDir>;
let server: TestServer;

beforeAll(async () => {
  apps = tempAppsDir("hello");
  server = await startTestServer({ APPS_DIR: apps.dir });
});
afterAll(() => stopThenRemove(server, apps));

/** The fixture app `from` as a .tar.gz (its index.ts and worker.config.ts). */
const archiveOf = (from: string) =>
  tarGz(
    ["index.ts", "worker.config.ts"].map((name) => ({
      name,
      content: readFileSync(join(FIXTURE_APPS, from, "1.0.0", name), "utf8"),
    })),
  );

test.each([
  ["config-posts-garbage", "worker.config.ts: it posted a message of its own"],
  ["config-exits", "worker.config.ts: its thread exited before answering"],
])("a deployment whose worker.config.ts misbehaves (%s) is refused, and no loader thread is left", async (app, why) => {
  const res = await server.admin(`/_/deployments/${app}/1.0.0`, {
    method: "POST",
    body: new Blob([(await archiveOf(app)) as Uint8Array<ArrayBuffer>]),
    headers: { "content-type": "application/gzip" },
  });
  expect(res.status).toBe(400);
  const { error } = (await res.json()) as { error: { code: string; message: string } };
  expect(error.code).toBe("DEPLOYMENT_INVALID");
  expect(error.message).toContain(why);
  expect(existsSync(join(apps.dir, app))).toBe(false);
  await configLoaderThreads().closed;
  expect(configLoaderThreads().live).toBe(0);
  expect((await fetch(server.at("/hello/"))).status).toBe(200);
});
