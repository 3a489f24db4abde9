import { afterAll, beforeAll, expect, test } from "bun:test";
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { extract } from "tar-stream";
import { CliError } from "./errors.ts";
import { filesToPack, packFolder } from "./pack.ts";

let root: string;
beforeAll(() => {
  root = mkdtempSync(join(tmpdir(), "buntime-pack-"));
  const files = {
    "index.ts": "export default {}",
    "worker.jsonc": "{}",
    "lib/util.ts": "x",
    "node_modules/dep/index.js": "x",
    ".git/HEAD": "x",
    ".gitignore": "*.log\ndist/\n!keep.log\n",
    "debug.log": "x",
    "keep.log": "x",
    "dist/out.js": "x",
    "lib/node_modules/nested.js": "x",
  };
  for (const [name, content] of Object.entries(files)) {
    mkdirSync(join(root, name, ".."), { recursive: true });
    writeFileSync(join(root, name), content);
  }
});
afterAll(() => rmSync(root, { recursive: true, force: true }));

test("skips node_modules and .git at any depth, and what .gitignore excludes (negations too)", async () => {
  expect(await filesToPack(root)).toEqual([".gitignore", "index.ts", "keep.log", "lib/util.ts", "worker.jsonc"]);
});

test("packs those files at the archive root, gzipped", async () => {
  const archive = await packFolder(root);
  expect([archive[0], archive[1]]).toEqual([0x1f, 0x8b]);
  const names: string[] = [];
  const reader = extract();
  const done = new Promise<void>((resolve) => reader.on("finish", () => resolve()));
  reader.on("entry", (header, stream, next) => {
    names.push(header.name);
    stream.on("end", next);
    stream.resume();
  });
  reader.end(Buffer.from(Bun.gunzipSync(archive as Uint8Array<ArrayBuffer>)));
  await done;
  expect(names).toEqual([".gitignore", "index.ts", "keep.log", "lib/util.ts", "worker.jsonc"]);
});

test("a symbolic link is refused, naming it", async () => {
  const dir = mkdtempSync(join(tmpdir(), "buntime-pack-link-"));
  try {
    writeFileSync(join(dir, "index.ts"), "x");
    symlinkSync("/etc/passwd", join(dir, "leak"));
    const error = await filesToPack(dir).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(CliError);
    expect((error as Error).message).toContain(join(dir, "leak"));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
