import { describe, expect, test } from "bun:test";
import { existsSync } from "node:fs";
import { stat } from "node:fs/promises";
import { join } from "node:path";
import { tarGz, useSandbox, zip } from "../../../../test/support/archives.ts";

const MB = 1 << 20;

/** Each test gets a sandbox; whatever was refused, nothing is written outside its staging folder. */
const sandbox = useSandbox();

describe("extractArchive(zip) refuses", () => {
  test("a '../evil' traversal: UNSAFE_PATH", async () => {
    expect(await sandbox.box.refusal(zip([{ name: "../evil", content: "x" }]), "zip")).toBe("UNSAFE_PATH");
  });

  test("an 'a/../../x' traversal: UNSAFE_PATH", async () => {
    const archive = zip([
      { name: "a/b", content: "b" },
      { name: "a/../../x", content: "x" },
    ]);
    expect(await sandbox.box.refusal(archive, "zip")).toBe("UNSAFE_PATH");
  });

  test("an absolute path, a drive letter: UNSAFE_PATH", async () => {
    expect(await sandbox.box.refusal(zip([{ name: join(sandbox.box.base, "abs-evil"), content: "x" }]), "zip")).toBe(
      "UNSAFE_PATH",
    );
    await sandbox.fresh();
    expect(await sandbox.box.refusal(zip([{ name: "C:/evil", content: "x" }]), "zip")).toBe("UNSAFE_PATH");
  });

  test("a backslash path, a NUL in a name: UNSAFE_PATH", async () => {
    expect(await sandbox.box.refusal(zip([{ name: "..\\evil", content: "x" }]), "zip")).toBe("UNSAFE_PATH");
    await sandbox.fresh();
    expect(await sandbox.box.refusal(zip([{ name: "a\0/../../evil", content: "x" }]), "zip")).toBe("UNSAFE_PATH");
  });

  test("a control character in a UTF-8 name (newline, escape, DEL, C1), in a file or a folder: UNSAFE_PATH", async () => {
    for (const name of ["evil\nname.ts", "dir\x1b[2J/x", "del\x7f", "c1\x85", "folder\r/"]) {
      const archive = zip([{ name: "index.ts", content: "x" }, { name }]);
      expect(await sandbox.box.refusal(archive, "zip")).toBe("UNSAFE_PATH");
      await sandbox.fresh();
    }
  });

  test("a symlink entry (S_IFLNK in the external attributes): LINK, and it is not created", async () => {
    const archive = zip([{ name: "link", content: sandbox.box.base, mode: 0o120777 }]);
    expect(await sandbox.box.refusal(archive, "zip")).toBe("LINK");
    expect(existsSync(join(sandbox.box.staging, "link"))).toBe(false);
  });

  test("a fifo or device entry: SPECIAL_FILE", async () => {
    for (const mode of [0o010644, 0o020644, 0o060644, 0o140644]) {
      await sandbox.fresh();
      expect(await sandbox.box.refusal(zip([{ name: "dev", mode }]), "zip")).toBe("SPECIAL_FILE");
    }
  });

  test("the same file twice: UNSAFE_PATH", async () => {
    const archive = zip([
      { name: "a", content: "1" },
      { name: "a", content: "2" },
    ]);
    expect(await sandbox.box.refusal(archive, "zip")).toBe("UNSAFE_PATH");
  });

  test("more files than maxFiles: TOO_MANY_FILES", async () => {
    const archive = zip(["a", "b", "c", "d"].map((name) => ({ name, content: name })));
    expect(await sandbox.box.refusal(archive, "zip", { maxFiles: 3 })).toBe("TOO_MANY_FILES");
  });

  test("a zip bomb (50 MB of zeros, tiny compressed): TOO_LARGE_UNCOMPRESSED, stopped mid-entry", async () => {
    const archive = zip([{ name: "bomb", content: Buffer.alloc(50 * MB) }]);
    expect(archive.byteLength).toBeLessThan(MB / 4);
    expect(await sandbox.box.refusal(archive, "zip", { maxUncompressedBytes: MB })).toBe("TOO_LARGE_UNCOMPRESSED");
    expect((await stat(join(sandbox.box.staging, "bomb"))).size).toBeLessThanOrEqual(MB);
  });

  test("files that together pass maxUncompressedBytes, each header honest: TOO_LARGE_UNCOMPRESSED", async () => {
    const third = Buffer.alloc(0.4 * MB, "x");
    const archive = zip(["a", "b", "c"].map((name) => ({ name, content: third })));
    expect(await sandbox.box.refusal(archive, "zip", { maxUncompressedBytes: MB })).toBe("TOO_LARGE_UNCOMPRESSED");
  });

  test("a header claiming 100 bytes over 50 MB of data: CORRUPT_ARCHIVE, stopped at the lie", async () => {
    const archive = zip([{ name: "liar", content: Buffer.alloc(50 * MB), claimedSize: 100 }]);
    expect(await sandbox.box.refusal(archive, "zip", { maxUncompressedBytes: 10 * MB })).toBe("CORRUPT_ARCHIVE");
    expect((await stat(join(sandbox.box.staging, "liar"))).size).toBeLessThanOrEqual(100);
  });

  test("a header claiming more than the data holds: CORRUPT_ARCHIVE", async () => {
    expect(await sandbox.box.refusal(zip([{ name: "short", content: "12345", claimedSize: 100 }]), "zip")).toBe(
      "CORRUPT_ARCHIVE",
    );
  });

  test("an archive over maxArchiveBytes: ARCHIVE_TOO_LARGE, the spool file removed", async () => {
    const archive = zip([{ name: "noise", content: crypto.getRandomValues(new Uint8Array(64 * 1024)) }]);
    expect(await sandbox.box.refusal(archive, "zip", { maxArchiveBytes: 32 * 1024 })).toBe("ARCHIVE_TOO_LARGE");
    expect(existsSync(`${sandbox.box.staging}.zip`)).toBe(false);
  });

  test("an encrypted entry or an unsupported compression method: CORRUPT_ARCHIVE", async () => {
    expect(await sandbox.box.refusal(zip([{ name: "secret", content: "x", flags: 0x0801 }]), "zip")).toBe(
      "CORRUPT_ARCHIVE",
    );
    await sandbox.fresh();
    expect(await sandbox.box.refusal(zip([{ name: "bzip2", content: "x", method: 12 }]), "zip")).toBe(
      "CORRUPT_ARCHIVE",
    );
  });

  test("garbage, a tar.gz, a truncated zip, an empty body: CORRUPT_ARCHIVE", async () => {
    const good = zip([{ name: "a", content: crypto.getRandomValues(new Uint8Array(10_000)) }]);
    const bodies = [
      crypto.getRandomValues(new Uint8Array(4096)),
      await tarGz([{ name: "a", content: "a" }]),
      good.subarray(0, good.byteLength - 30),
      new Uint8Array(0),
    ];
    for (const body of bodies) {
      await sandbox.fresh();
      expect(await sandbox.box.refusal(body, "zip")).toBe("CORRUPT_ARCHIVE");
    }
  });
});
