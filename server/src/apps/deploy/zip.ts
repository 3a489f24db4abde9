import { once } from "node:events";
import { open, rm } from "node:fs/promises";
import type { Readable } from "node:stream";
import yauzl, { type Entry, type ZipFile } from "yauzl";
import type { ArchiveBody } from "./body.ts";
import { entrySegments, isIgnoredEntry } from "./entry-path.ts";
import { blameArchive, DeployError } from "./errors.ts";
import { type StagingTree, writeFully } from "./staging.ts";

const S_IFMT = 0o170000;
const S_IFREG = 0o100000;
const S_IFDIR = 0o040000;
const S_IFLNK = 0o120000;

/**
 * The errors yauzl raises, while reading the central directory, for names `strictFileNames`
 * refuses (yauzl `validateFileName`). They carry the name but no code, so they are told apart by
 * their wording; should a yauzl upgrade reword them they fall back to CORRUPT_ARCHIVE, still a
 * refusal (and a test notices).
 */
const YAUZL_NAME_ERRORS = /^(invalid characters in fileName|absolute path|invalid relative path): /;

/**
 * Extracts a zip from `body` into `tree`. A zip's directory is at its end, so the body is first
 * spooled to `tempPath` (counted against the archive limit as it is written, never held in
 * memory), then read with yauzl one entry at a time. `tempPath` is always removed.
 * @throws DeployError for every refusal; CORRUPT_ARCHIVE when the bytes are not a zip
 */
export async function extractZip(body: ArchiveBody, tree: StagingTree, tempPath: string): Promise<void> {
  try {
    await spool(body, tempPath);
    await readZip(tempPath, tree);
  } catch (error) {
    if (error instanceof Error && !(error instanceof DeployError) && YAUZL_NAME_ERRORS.test(error.message)) {
      throw new DeployError("UNSAFE_PATH", `entry refused: ${error.message}`, { cause: error });
    }
    throw blameArchive(error, { kind: "zip", isUploadError: (e) => body.isUploadError(e) });
  } finally {
    await rm(tempPath, { force: true });
  }
}

/** Writes the whole body to `path` (a new file, owner-only while it exists). */
async function spool(body: ArchiveBody, path: string): Promise<void> {
  const file = await open(path, "wx", 0o600);
  try {
    for await (const chunk of body.chunks()) await writeFully(file, chunk);
  } finally {
    await file.close();
  }
}

async function readZip(path: string, tree: StagingTree): Promise<void> {
  const zip = await yauzl.openPromise(path, {
    lazyEntries: true, // one entry at a time, driven by the loop below
    autoClose: false, // closed here, in `finally`, whichever way the loop ends
    validateEntrySizes: true, // a data stream longer or shorter than its header fails mid-entry
    strictFileNames: true, // backslashes are refused, not silently turned into separators
  });
  try {
    for await (const entry of zip.eachEntry()) await writeEntry(zip, entry, tree);
  } finally {
    await closeZip(zip);
  }
}

/** Checks one zip entry and writes it; links and every other non-regular type are refused. */
async function writeEntry(zip: ZipFile, entry: Entry, tree: StagingTree): Promise<void> {
  const name = entry.fileName;
  const segments = entrySegments(name);
  const kind = entryKind(entry);
  if (kind === "link") throw new DeployError("LINK", `entry ${JSON.stringify(name)}: links are not allowed`);
  if (kind === "special") {
    throw new DeployError("SPECIAL_FILE", `entry ${JSON.stringify(name)}: only files and folders are allowed`);
  }
  // Skipped entries are never opened, so their data is not even decompressed.
  if (isIgnoredEntry(segments)) return;
  if (kind === "directory") return tree.addDirectory(segments, name);
  if (entry.isEncrypted()) throw new DeployError("CORRUPT_ARCHIVE", `entry ${JSON.stringify(name)}: encrypted`);
  if (!entry.canDecodeFileData()) {
    const method = entry.compressionMethod;
    throw new DeployError("CORRUPT_ARCHIVE", `entry ${JSON.stringify(name)}: unsupported compression method ${method}`);
  }
  try {
    const content: Readable = await zip.openReadStreamPromise(entry);
    // A failing stream (a lying size, bad deflate data) also emits 'error' a tick after the read
    // loop has already rejected with it and let go of the stream; unheard, that second emit would
    // be an uncaught exception. The loop still sees every error.
    content.on("error", () => {});
    try {
      await tree.addFile(segments, name, content);
    } finally {
      // Releases yauzl's hold on the file descriptor whether or not the entry was read to its end.
      content.destroy();
    }
  } catch (error) {
    throw blameArchive(error, { kind: "zip", entry: name });
  }
}

/**
 * What an entry is. The Unix mode lives in the high 16 bits of the external attributes; it is
 * read whatever "version made by" claims, since refusing an odd zip is cheaper than writing a
 * link. Zips from systems without modes leave it 0, and then the trailing `/` decides.
 */
function entryKind(entry: Entry): "file" | "directory" | "link" | "special" {
  const type = (entry.externalFileAttributes >>> 16) & S_IFMT;
  if (type === S_IFLNK) return "link";
  if (type === S_IFDIR || entry.fileName.endsWith("/")) return "directory";
  if (type === 0 || type === S_IFREG) return "file";
  return "special";
}

/**
 * Closes the zip and resolves once yauzl has closed its file descriptor, so no descriptor
 * outlives `extractArchive` and the temp file is removed only once it is closed. yauzl closes the
 * descriptor when its last user lets go: the zip itself and each read stream, all destroyed by
 * now. Were one leaked anyway, the count would stay above zero and waiting would hang, so the
 * wait happens only when the close has really started.
 */
async function closeZip(zip: ZipFile): Promise<void> {
  // `reader` (yauzl's ref-counted descriptor holder) is public in yauzl but missing from its typings.
  const reader = (zip as unknown as { reader: NodeJS.EventEmitter & { refCount: number } }).reader;
  const closed = once(reader, "close").catch(() => {}); // a failed close has nothing left to wait for
  zip.close();
  if (reader.refCount === 0) await closed;
}
