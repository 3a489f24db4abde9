/**
 * A kill mid-upload leaves no partial version: the archive is staged in a hidden folder that the
 * catalogue never serves, and the next start sweeps it away.
 */
import { afterAll, expect, test } from "bun:test";
import { existsSync, readdirSync } from "node:fs";
import { join } from "node:path";
import { killServerProcesses, startServerProcess } from "./_server-process.ts";
import { ADMIN_HEADERS, eventually, tempAppsDir } from "./_setup.ts";
import { tarGz } from "./support/archives.ts";

const apps = tempAppsDir("hello");
afterAll(() => {
  killServerProcesses();
  apps.remove();
});

test("SIGKILL during an upload: nothing half-visible, and the next start sweeps the staging", async () => {
  // BUNTIME_SUPERVISOR=0: the kill must hit the server itself, mid-write.
  const env = { APPS_DIR: apps.dir, BUNTIME_SUPERVISOR: "0" };
  const server = await startServerProcess(env);
  const files = Array.from({ length: 40 }, (_, i) => ({
    name: `assets/file-${i}.txt`,
    content: "x".repeat(50_000 + i),
  }));
  const archive = await tarGz([
    { name: "index.ts", content: "export default { fetch: () => new Response('no') };" },
    ...files,
  ]);
  let sent = 0;
  let release: () => void = () => {};
  const stalled = new Promise<void>((resolve) => {
    release = resolve;
  });
  const body = new ReadableStream<Uint8Array>({
    async pull(controller) {
      if (sent >= archive.byteLength / 2) {
        await stalled; // half the archive is in; the rest never comes
        controller.close();
        return;
      }
      const chunk = archive.subarray(sent, sent + 16_384);
      sent += chunk.byteLength;
      controller.enqueue(chunk);
    },
  });
  const upload = fetch(server.at("/_/deployments/partial/1.0.0"), {
    method: "POST",
    body,
    headers: { ...ADMIN_HEADERS, "content-type": "application/gzip" },
    duplex: "half",
  } as RequestInit).catch(() => undefined);
  const staging = join(apps.dir, ".buntime-staging");
  // Written-to staging is the event we wait for: the upload is mid-extraction.
  await eventually(
    () => existsSync(staging) && readdirSync(staging, { recursive: true }).some((f) => String(f).includes("file-")),
    10_000,
  );
  server.proc.kill("SIGKILL");
  await server.proc.exited;
  release();
  await upload;

  expect(existsSync(join(apps.dir, "partial"))).toBe(false);
  const restarted = await startServerProcess(env);
  // What the killed process left is gone (the folder itself may stay, empty).
  expect(existsSync(staging) ? readdirSync(staging) : []).toEqual([]);
  expect((await fetch(restarted.at("/partial/"))).status).toBe(404);
  expect((await fetch(restarted.at("/hello/"))).status).toBe(200);
  restarted.proc.kill("SIGTERM");
  expect(await restarted.proc.exited).toBe(0);
});
