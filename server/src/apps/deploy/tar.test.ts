import { describe, expect, test } from "bun:test";
import { existsSync } from "node:fs";
import { stat } from "node:fs/promises";
import { join } from "node:path";
import { gzipSync } from "node:zlib";
import { tarGz, useSandbox, zip } from "../../../../test/support/archives.ts";

const MB = 1 << 20;

/** Each test gets a sandbox; whatever was refused, nothing is written outside its staging folder. */
const sandbox = useSandbox();

describe("extractArchive(tar.gz) refuses", () => {
  test("a '../x' traversal: UNSAFE_PATH", async () => {
    expect(await sandbox.box.refusal(await tarGz([{ name: "../x", content: "x" }]), "tar.gz")).toBe("UNSAFE_PATH");
  });

  test("an 'a/../../x' traversal: UNSAFE_PATH", async () => {
    const archive = await tarGz([
      { name: "a/b", content: "b" },
      { name: "a/../../x", content: "x" },
    ]);
    expect(await sandbox.box.refusal(archive, "tar.gz")).toBe("UNSAFE_PATH");
  });

  test("a traversal hidden in a pax long name: UNSAFE_PATH", async () => {
    const name = `../${"a".repeat(150)}`; // over 100 bytes, so tar-stream writes a pax header
    expect(await sandbox.box.refusal(await tarGz([{ name, content: "x" }]), "tar.gz")).toBe("UNSAFE_PATH");
  });

  test("an absolute path: UNSAFE_PATH", async () => {
    const archive = await tarGz([{ name: join(sandbox.box.base, "abs-evil"), content: "x" }]);
    expect(await sandbox.box.refusal(archive, "tar.gz")).toBe("UNSAFE_PATH");
  });

  test("a backslash path: UNSAFE_PATH", async () => {
    expect(await sandbox.box.refusal(await tarGz([{ name: "..\\x", content: "x" }]), "tar.gz")).toBe("UNSAFE_PATH");
  });

  test("a control character in a name (newline, escape, DEL, C1), in a folder or a pax name: UNSAFE_PATH", async () => {
    for (const name of ["evil\nname.ts", "dir\x1b[2J/x", "del\x7f", "c1\x85", `long/${"a".repeat(150)}\n`]) {
      const archive = await tarGz([
        { name: "index.ts", content: "x" },
        { name, content: "x" },
      ]);
      expect(await sandbox.box.refusal(archive, "tar.gz")).toBe("UNSAFE_PATH");
      await sandbox.fresh();
    }
    expect(await sandbox.box.refusal(await tarGz([{ name: "folder\r/", type: "directory" }]), "tar.gz")).toBe(
      "UNSAFE_PATH",
    );
  });

  test("the same file twice, or a file where a folder is: UNSAFE_PATH", async () => {
    const twice = await tarGz([
      { name: "a", content: "1" },
      { name: "a", content: "2" },
    ]);
    expect(await sandbox.box.refusal(twice, "tar.gz")).toBe("UNSAFE_PATH");
    await sandbox.fresh();
    const clash = await tarGz([
      { name: "a/b", content: "1" },
      { name: "a", content: "2" },
    ]);
    expect(await sandbox.box.refusal(clash, "tar.gz")).toBe("UNSAFE_PATH");
  });

  test("a symlink: LINK, and it is not created", async () => {
    const archive = await tarGz([{ name: "link", type: "symlink", linkname: sandbox.box.base }]);
    expect(await sandbox.box.refusal(archive, "tar.gz")).toBe("LINK");
    expect(existsSync(join(sandbox.box.staging, "link"))).toBe(false);
  });

  test("a hard link: LINK", async () => {
    const archive = await tarGz([
      { name: "a", content: "a" },
      { name: "b", type: "link", linkname: "a" },
    ]);
    expect(await sandbox.box.refusal(archive, "tar.gz")).toBe("LINK");
  });

  test("a fifo, a character device, a block device: SPECIAL_FILE", async () => {
    for (const type of ["fifo", "character-device", "block-device"] as const) {
      await sandbox.fresh();
      const archive = await tarGz([{ name: "dev", type, devmajor: 1, devminor: 3 }]);
      expect(await sandbox.box.refusal(archive, "tar.gz")).toBe("SPECIAL_FILE");
    }
  });

  test("more files than maxFiles: TOO_MANY_FILES", async () => {
    const archive = await tarGz(["a", "b", "c", "d"].map((name) => ({ name, content: name })));
    expect(await sandbox.box.refusal(archive, "tar.gz", { maxFiles: 3 })).toBe("TOO_MANY_FILES");
    expect((await sandbox.box.contents()).length).toBe(3);
  });

  test("folders implied by a deep path count as files too: TOO_MANY_FILES", async () => {
    const archive = await tarGz([{ name: "a/b/c/d/e.txt", content: "e" }]);
    expect(await sandbox.box.refusal(archive, "tar.gz", { maxFiles: 3 })).toBe("TOO_MANY_FILES");
  });

  test("a gzip bomb (50 MB of zeros, tiny compressed): TOO_LARGE_UNCOMPRESSED, stopped mid-entry", async () => {
    const archive = await tarGz([{ name: "bomb", content: Buffer.alloc(50 * MB) }]);
    expect(archive.byteLength).toBeLessThan(MB / 4);
    expect(await sandbox.box.refusal(archive, "tar.gz", { maxUncompressedBytes: MB })).toBe("TOO_LARGE_UNCOMPRESSED");
    expect((await stat(join(sandbox.box.staging, "bomb"))).size).toBeLessThanOrEqual(MB);
  });

  test("files that together pass maxUncompressedBytes: TOO_LARGE_UNCOMPRESSED", async () => {
    const third = Buffer.alloc(0.4 * MB, "x");
    const archive = await tarGz(["a", "b", "c"].map((name) => ({ name, content: third })));
    expect(await sandbox.box.refusal(archive, "tar.gz", { maxUncompressedBytes: MB })).toBe("TOO_LARGE_UNCOMPRESSED");
  });

  test("a flood of empty tar blocks that creates nothing: TOO_LARGE_UNCOMPRESSED", async () => {
    const archive = gzipSync(Buffer.alloc(20 * MB)); // a 'tar' of nothing but zero blocks
    expect(await sandbox.box.refusal(archive, "tar.gz", { maxUncompressedBytes: MB })).toBe("TOO_LARGE_UNCOMPRESSED");
  });

  test("an archive over maxArchiveBytes: ARCHIVE_TOO_LARGE", async () => {
    const archive = await tarGz([{ name: "noise", content: crypto.getRandomValues(new Uint8Array(64 * 1024)) }]);
    expect(await sandbox.box.refusal(archive, "tar.gz", { maxArchiveBytes: 32 * 1024 })).toBe("ARCHIVE_TOO_LARGE");
  });

  test("garbage, a gzip of garbage, a zip, a truncated archive, an empty body: CORRUPT_ARCHIVE", async () => {
    const good = await tarGz([{ name: "a", content: crypto.getRandomValues(new Uint8Array(10_000)) }]);
    const bodies = [
      crypto.getRandomValues(new Uint8Array(4096)),
      gzipSync("this is not a tar file ".repeat(100)),
      zip([{ name: "a", content: "a" }]),
      good.subarray(0, good.byteLength / 2),
      new Uint8Array(0),
    ];
    for (const body of bodies) {
      await sandbox.fresh();
      expect(await sandbox.box.refusal(body, "tar.gz")).toBe("CORRUPT_ARCHIVE");
    }
  });
});
