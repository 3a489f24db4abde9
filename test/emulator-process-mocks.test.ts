/**
 * The emulator's outbound mocks reach a process-isolated app too: as root its worker runs as
 * `nobody`, who cannot read the mocks preload where the emulator writes it (its apps folder,
 * mode 0700) nor what that imports; the server hands the worker a bundle of it
 * (server/src/isolation/app-runtime.ts). The author's folders are never changed: the app must be
 * readable by others as it is (a checkout made with the usual umask is), or its start says why.
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { chmodSync, mkdirSync, mkdtempSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createEmulator } from "buntime-emulator";
import { ROOT } from "./_setup.ts";

/** Fetches the mocked API and answers what it got, and who it runs as. */
const APP = `export default {
  async fetch() {
    const api = await (await fetch("https://api.example.test/v1/answer")).json();
    return Response.json({ api, uid: process.getuid() });
  },
};`;

const HANDLERS = `import { HttpResponse, http } from "msw";
export default [http.get("https://api.example.test/v1/answer", () => HttpResponse.json({ answer: 42 }))];
`;

describe.if(process.getuid?.() === 0)("outbound mocks in a process worker run as the app user", () => {
  let scratch: string;
  let appParent: string;
  beforeAll(() => {
    // The handlers inside the repository, where msw resolves; the app where nobody reaches it
    // wherever the repository is (its folder's parent is given to the app's group).
    mkdirSync(join(ROOT, ".tmp"), { recursive: true });
    scratch = mkdtempSync(join(ROOT, ".tmp", "process-mocks-"));
    writeFileSync(join(scratch, "handlers.ts"), HANDLERS);
    appParent = mkdtempSync(join(tmpdir(), "process-mocks-app-"));
    chmodSync(appParent, 0o755); // as a checkout's folder: mkdtemp makes it 0700
    mkdirSync(join(appParent, "app"), { mode: 0o755 });
    writeFileSync(join(appParent, "app", "index.ts"), APP, { mode: 0o644 });
    writeFileSync(join(appParent, "app", "worker.jsonc"), JSON.stringify({ isolation: "process" }), { mode: 0o644 });
  });
  afterAll(() => {
    for (const dir of [scratch, appParent]) rmSync(dir, { recursive: true, force: true });
  });

  /** Owner, group and mode of the author's files: what the emulator must leave as it found them. */
  const snapshot = () =>
    [appParent, join(appParent, "app"), join(appParent, "app", "index.ts")].map((path) => {
      const { uid, gid, mode } = statSync(path);
      return { path, uid, gid, mode };
    });

  test("the app's fetch is answered by the handlers, in a process of nobody's", async () => {
    const before = snapshot();
    const emu = await createEmulator({
      apps: { "asker@1.0.0": join(appParent, "app") },
      mocks: join(scratch, "handlers.ts"),
      logLevel: "silent",
    });
    try {
      const response = await emu.fetch("/asker/");
      expect({ status: response.status, body: await response.json() }).toEqual({
        status: 200,
        body: { api: { answer: 42 }, uid: 65534 },
      });
      expect(snapshot()).toEqual(before);
    } finally {
      await emu.dispose();
    }
  }, 30_000);

  test("an app file others cannot read fails the start, naming it, and is left as it was", async () => {
    const secret = join(appParent, "app", "secret.ts");
    writeFileSync(secret, "export const x = 1;\n", { mode: 0o600 });
    // Dotfiles are not the app's code: a private .env does not stop it.
    writeFileSync(join(appParent, "app", ".env"), "TOKEN=x\n", { mode: 0o600 });
    const emu = await createEmulator({ apps: { "asker@1.0.0": join(appParent, "app") }, logLevel: "silent" });
    try {
      const response = await emu.fetch("/asker/");
      const { error } = (await response.json()) as { error: { code: string; message: string } };
      expect(error.code).toBe("WORKER_START_FAILED");
      expect(error.message).toContain(`${secret} is not readable by the app user`);
      expect(statSync(secret).mode & 0o777).toBe(0o600);
    } finally {
      await emu.dispose();
      rmSync(secret);
    }
  }, 30_000);

  test("a folder above the app that others cannot enter fails the start, naming it", async () => {
    const closed = mkdtempSync(join(tmpdir(), "process-mocks-closed-")); // 0700, as mkdtemp makes it
    mkdirSync(join(closed, "app"), { mode: 0o755 });
    writeFileSync(join(closed, "app", "index.ts"), APP, { mode: 0o644 });
    writeFileSync(join(closed, "app", "worker.jsonc"), JSON.stringify({ isolation: "process" }), { mode: 0o644 });
    const emu = await createEmulator({ apps: { "asker@1.0.0": join(closed, "app") }, logLevel: "silent" });
    try {
      const { error } = (await (await emu.fetch("/asker/")).json()) as { error: { code: string; message: string } };
      expect(error.code).toBe("WORKER_START_FAILED");
      expect(error.message).toContain(`${closed} is not enterable by the app user`);
      expect(statSync(closed).mode & 0o777).toBe(0o700);
    } finally {
      await emu.dispose();
      rmSync(closed, { recursive: true, force: true });
    }
  }, 30_000);
});
