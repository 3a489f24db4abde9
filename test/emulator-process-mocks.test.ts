/**
 * The emulator's outbound mocks reach a process-isolated app too: as root its worker runs as
 * `nobody`, who cannot read the mocks preload where the emulator writes it (its apps folder,
 * mode 0700) nor what that imports; the server hands the worker a bundle of it
 * (server/src/isolation/app-runtime.ts).
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
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
    mkdirSync(join(appParent, "app"));
    writeFileSync(join(appParent, "app", "index.ts"), APP);
    writeFileSync(join(appParent, "app", "worker.jsonc"), JSON.stringify({ isolation: "process" }));
  });
  afterAll(() => {
    for (const dir of [scratch, appParent]) rmSync(dir, { recursive: true, force: true });
  });

  test("the app's fetch is answered by the handlers, in a process of nobody's", async () => {
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
    } finally {
      await emu.dispose();
    }
  }, 30_000);
});
