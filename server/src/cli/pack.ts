/**
 * Packs an app folder as the `.tar.gz` a deployment takes: every file under the folder except
 * `node_modules`, `.git` and what the folder's `.gitignore` excludes (matched with `ignore`, the
 * matcher eslint uses). Links are refused, as the server would refuse them.
 */
import { lstat, readdir, readFile } from "node:fs/promises";
import { join, relative, sep } from "node:path";
import ignore from "ignore";
import { pack } from "tar-stream";
import { CliError } from "./errors.ts";

/** Never packed, whatever `.gitignore` says. */
const ALWAYS_SKIPPED = ["node_modules/", ".git/"];

/** The files to pack, relative to `root` with `/` separators, in a stable order. */
export async function filesToPack(root: string): Promise<string[]> {
  const rules = ignore().add(ALWAYS_SKIPPED);
  const gitignore = await readFile(join(root, ".gitignore"), "utf8").catch(() => undefined);
  if (gitignore !== undefined) rules.add(gitignore);
  const out: string[] = [];
  const walk = async (dir: string): Promise<void> => {
    const entries = (await readdir(dir, { withFileTypes: true })).sort((a, b) => a.name.localeCompare(b.name));
    for (const entry of entries) {
      const path = join(dir, entry.name);
      const rel = relative(root, path).split(sep).join("/");
      if (rules.ignores(entry.isDirectory() ? `${rel}/` : rel)) continue;
      if (entry.isSymbolicLink()) throw new CliError(`${path} is a symbolic link: a deployment cannot hold links`);
      if (entry.isDirectory()) await walk(path);
      else if (entry.isFile()) out.push(rel);
    }
  };
  await walk(root);
  return out;
}

/**
 * The folder as a gzipped tar, files at the archive root.
 * @example
 * const archive = await packFolder("fixtures/apps/hello/2.0.0");
 */
export async function packFolder(root: string): Promise<Uint8Array> {
  const files = await filesToPack(root);
  if (files.length === 0) throw new CliError(`${root} has nothing to deploy`);
  const tar = pack();
  const chunks: Buffer[] = [];
  const collected = (async () => {
    for await (const chunk of tar) chunks.push(chunk as Buffer);
  })();
  for (const name of files) {
    const path = join(root, name);
    const [content, info] = await Promise.all([readFile(path), lstat(path)]);
    tar.entry({ name, size: content.byteLength, mode: info.mode & 0o755, mtime: info.mtime }, content);
  }
  tar.finalize();
  await collected;
  return Bun.gzipSync(Buffer.concat(chunks));
}
