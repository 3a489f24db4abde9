import { afterEach, beforeEach, describe, expect, test } from "bun:test";
import { existsSync, readdirSync } from "node:fs";
import { readFile, stat } from "node:fs/promises";
import { join } from "node:path";
import { gzipSync } from "node:zlib";
import { bodyOf, LIMITS, makeSandbox, pythonZip, type Sandbox, tarGz, zip } from "../../../../test/support/archives.ts";
import { loadAppVersion } from "../config.ts";
import { extractArchive } from "./extract.ts";

const APP = { "index.ts": "export default { fetch: () => new Response('hi') };", "worker.jsonc": "{}" };

let box: Sandbox;
beforeEach(async () => {
  box = await makeSandbox();
});
afterEach(() => box.dispose());

describe("extractArchive: good archives", () => {
  test("a tar.gz with files at its root: root is the staging folder, ready for loadAppVersion", async () => {
    const archive = await tarGz([
      { name: "index.ts", content: APP["index.ts"] },
      { name: "worker.jsonc", content: APP["worker.jsonc"] },
      { name: "public/", type: "directory" },
      { name: "public/a.txt", content: "a" },
    ]);
    const result = await box.extract(archive, "tar.gz");
    expect(result).toEqual({ root: box.staging, files: 4, bytes: 51 + 2 + 1 });
    expect(await box.contents()).toEqual(["index.ts", "public", "public/a.txt", "worker.jsonc"]);
    const app = await loadAppVersion("hello", "1.0.0", result.root);
    expect(app.entrypoint).toBe(join(box.staging, "index.ts"));
  });

  test("a tar.gz with everything under one folder: root is that folder", async () => {
    const archive = await tarGz([
      { name: "hello-1.0.0/", type: "directory" },
      { name: "hello-1.0.0/index.ts", content: APP["index.ts"] },
      { name: "hello-1.0.0/lib/util.ts", content: "export {};" },
    ]);
    const result = await box.extract(archive, "tar.gz");
    expect(result.root).toBe(join(box.staging, "hello-1.0.0"));
    expect(result.files).toBe(4); // the folder, lib/ (implied) and two files
    expect(await readFile(join(result.root, "lib/util.ts"), "utf8")).toBe("export {};");
  });

  test("a tar.gz made with `tar -C dir .` (./ prefixes, a '.' entry) has its files at the root", async () => {
    const archive = await tarGz([
      { name: "./", type: "directory" },
      { name: "./index.ts", content: APP["index.ts"] },
    ]);
    expect((await box.extract(archive, "tar.gz")).root).toBe(box.staging);
    expect(await box.contents()).toEqual(["index.ts"]);
  });

  test("a zip with files at its root, stored and deflated", async () => {
    const archive = zip([
      { name: "index.ts", content: APP["index.ts"], method: "store" },
      { name: "data/big.txt", content: "x".repeat(100_000) },
    ]);
    const result = await box.extract(archive, "zip");
    expect(result).toEqual({ root: box.staging, files: 3, bytes: 51 + 100_000 });
    expect((await readFile(join(box.staging, "data/big.txt"))).byteLength).toBe(100_000);
  });

  test("a zip with everything under one folder (as Python's zipfile writes it): root is that folder", async () => {
    const result = await box.extract(pythonZip({ "app/": "", "app/index.ts": APP["index.ts"] }), "zip");
    expect(result.root).toBe(join(box.staging, "app"));
    expect(await readFile(join(result.root, "index.ts"), "utf8")).toBe(APP["index.ts"]);
  });

  test("a Finder zip's __MACOSX folder is skipped, so the app folder is still the root", async () => {
    const archive = zip([
      { name: "app/index.ts", content: APP["index.ts"] },
      { name: "__MACOSX/app/._index.ts", content: "resource fork" },
    ]);
    expect((await box.extract(archive, "zip")).root).toBe(join(box.staging, "app"));
    expect(await box.contents()).toEqual(["app", "app/index.ts"]);
  });

  test("files get 0o644 and folders 0o755, whatever modes the archive asks for", async () => {
    const archive = await tarGz([
      { name: "bin/", type: "directory", mode: 0o777 },
      { name: "bin/run", content: "#!/bin/sh", mode: 0o4777 },
      { name: "secret", content: "s", mode: 0o600 },
    ]);
    await box.extract(archive, "tar.gz");
    expect((await stat(join(box.staging, "bin"))).mode & 0o7777).toBe(0o755);
    expect((await stat(join(box.staging, "bin/run"))).mode & 0o7777).toBe(0o644);
    expect((await stat(join(box.staging, "secret"))).mode & 0o7777).toBe(0o644);
  });

  test("a body arriving in tiny chunks is streamed through", async () => {
    const archive = await tarGz([{ name: "a.bin", content: crypto.getRandomValues(new Uint8Array(60_000)) }]);
    const { stream } = bodyOf(archive, 7);
    const result = await extractArchive({ source: stream, kind: "tar.gz", stagingDir: box.staging, limits: LIMITS });
    expect(result.bytes).toBe(60_000);
  });

  test("the zip spool file is removed afterwards", async () => {
    await box.extract(zip([{ name: "a", content: "a" }]), "zip");
    expect(existsSync(`${box.staging}.zip`)).toBe(false);
  });
});

describe("extractArchive: stopping and cleaning up", () => {
  test("a refusal cancels the upload without waiting for the client to finish", async () => {
    const hostile = await tarGz([{ name: "../x", content: "x" }]);
    const body = bodyOf(hostile, 1024, { endless: true });
    const extracting = extractArchive({ source: body.stream, kind: "tar.gz", stagingDir: box.staging, limits: LIMITS });
    await expect(extracting).rejects.toMatchObject({ code: "UNSAFE_PATH" });
    expect(body.seen.cancelled).toBe(true);
  });

  test("an endless body is refused once past maxArchiveBytes, and read no further", async () => {
    // A valid gzip header, then stored deflate blocks that never end: inflates fine forever.
    const gzipHeader = gzipSync(new Uint8Array(0)).subarray(0, 10);
    const storedBlock = new Uint8Array(4096 + 5);
    storedBlock.set([0x00, 0x00, 0x10, 0xff, 0xef]); // not final, stored, LEN 4096, NLEN ~4096
    for (const kind of ["tar.gz", "zip"] as const) {
      let pulled = 0;
      const endless = new ReadableStream<Uint8Array>({
        pull(controller) {
          controller.enqueue(pulled === 0 ? gzipHeader : storedBlock);
          pulled += pulled === 0 ? gzipHeader.byteLength : storedBlock.byteLength;
        },
      });
      const limits = { ...LIMITS, maxArchiveBytes: 100_000 };
      const extracting = extractArchive({ source: endless, kind, stagingDir: box.staging, limits });
      await expect(extracting).rejects.toMatchObject({ code: "ARCHIVE_TOO_LARGE" });
      expect(pulled).toBeLessThan(100_000 + 5 * storedBlock.byteLength);
    }
    expect(await box.strays()).toEqual([]);
  });

  test("an upload's own failure passes through unchanged, not as a corrupt archive", async () => {
    const failure = new Error("client went away");
    for (const kind of ["tar.gz", "zip"] as const) {
      const failing = new ReadableStream<Uint8Array>({
        pull(controller) {
          controller.error(failure);
        },
      });
      const extracting = extractArchive({ source: failing, kind, stagingDir: box.staging, limits: LIMITS });
      await expect(extracting).rejects.toBe(failure);
    }
  });

  test("no file descriptor stays open after refusals", async () => {
    const openFds = () => readdirSync("/proc/self/fd").length;
    const bomb = Buffer.alloc(20 << 20);
    const noise = crypto.getRandomValues(new Uint8Array(512 * 1024));
    const archives = [
      [zip([{ name: "bomb", content: bomb }]), "zip"],
      [zip([{ name: "liar", content: bomb, claimedSize: 10 }]), "zip"],
      [
        zip([
          { name: "ok", content: "ok" },
          { name: "../x", content: "x" },
        ]),
        "zip",
      ],
      // Refused after its stream was opened but before it was read (too big to drain by itself).
      [
        zip([
          { name: "twice", content: "1" },
          { name: "twice", content: noise },
        ]),
        "zip",
      ],
      [await tarGz([{ name: "bomb", content: bomb }]), "tar.gz"],
      [
        await tarGz([
          { name: "ok", content: "ok" },
          { name: "link", type: "symlink", linkname: "/" },
        ]),
        "tar.gz",
      ],
    ] as const;
    await box.extract(zip([{ name: "warm-up", content: "yauzl and zlib loaded" }]), "zip");
    const before = openFds();
    for (const [archive, kind] of archives) {
      await box.dispose();
      box = await makeSandbox();
      expect(await box.refusal(archive, kind)).toBeString();
    }
    expect(openFds()).toBe(before);
  });

  test("limits are checked by name before anything is read", async () => {
    const body = bodyOf(new Uint8Array(10));
    const limits = { ...LIMITS, maxFiles: 0 };
    const extracting = extractArchive({ source: body.stream, kind: "zip", stagingDir: box.staging, limits });
    await expect(extracting).rejects.toThrow(/maxFiles/);
    expect(body.seen.pulled).toBe(0);
  });
});
