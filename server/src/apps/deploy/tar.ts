import { pipeline } from "node:stream/promises";
import { createGunzip } from "node:zlib";
import { type Extract, type Header, extract as tarExtract } from "tar-stream";
import type { ArchiveBody } from "./body.ts";
import { entrySegments, isIgnoredEntry } from "./entry-path.ts";
import { blameArchive, DeployError } from "./errors.ts";
import type { ExtractLimits } from "./limits.ts";
import type { StagingTree } from "./staging.ts";

/**
 * One entry as tar-stream yields it: a readable of the content's Buffers. Its own typings (which
 * shadow @types/tar-stream) neither export the type nor say the chunks are bytes.
 */
type TarEntry = AsyncIterable<unknown> & { header: Header };

/**
 * Room in the decompressed tar stream for what is not file content: per entry a 512-byte header,
 * up to 511 bytes of padding and a long-name or pax record (paths are at most 4 KiB), plus the
 * end-of-archive blocks and record padding. Past `maxUncompressedBytes` plus this, the stream is
 * padding or headers the limits never see (millions of empty entries, gigabytes of zero blocks
 * after the end) and decompressing it would only burn CPU.
 */
const TAR_OVERHEAD_PER_ENTRY = 8 * 1024;
const TAR_OVERHEAD_FIXED = 64 * 1024;

/**
 * Extracts a gzip'ed tar from `body` into `tree`, streaming: the body is gunzipped and parsed as
 * it arrives, each entry is checked and written before the next is parsed, and nothing is held
 * in memory beyond a few chunks.
 * @throws DeployError for every refusal; CORRUPT_ARCHIVE when the bytes are not a tar.gz
 */
export async function extractTarGz(body: ArchiveBody, tree: StagingTree, limits: ExtractLimits): Promise<void> {
  const extract = tarExtract();
  const maxTarBytes = limits.maxUncompressedBytes + limits.maxFiles * TAR_OVERHEAD_PER_ENTRY + TAR_OVERHEAD_FIXED;
  // The feeder's failure (body over the limit, bad gzip, tar stream too long) is kept aside:
  // it destroys the parser, and the entry loop below then fails with that same error or with a
  // mere "stream destroyed", which must not hide it.
  let feedError: { error: unknown } | undefined;
  const feeding = feed(body, extract, maxTarBytes).catch((error: unknown) => {
    feedError = { error };
    extract.destroy(error instanceof Error ? error : new Error(String(error)));
  });
  let current: string | undefined; // the entry being written, to name it in a corruption
  try {
    // tar-stream parses the next header only once the loop asks for it, so entries are written
    // one at a time and a refusal stops the parse where it is.
    for await (const entry of extract) {
      current = entry.header.name;
      await writeEntry(entry, tree);
      current = undefined;
    }
    await feeding;
    if (feedError) throw feedError.error;
  } catch (error) {
    const primary = error instanceof DeployError || !feedError ? error : feedError.error;
    throw blameArchive(primary, { kind: "tar.gz", entry: current, isUploadError: (e) => body.isUploadError(e) });
  } finally {
    extract.destroy();
    // Stop the upload before waiting on the feeder: it may be blocked reading a slow client.
    await body.cancel();
    await feeding;
  }
}

/** Gunzips the body into the tar parser with back-pressure; returns early if the parser is gone. */
async function feed(body: ArchiveBody, extract: Extract, maxTarBytes: number): Promise<void> {
  await pipeline(body.chunks(), createGunzip(), async (tar: AsyncIterable<Buffer>) => {
    let bytes = 0;
    for await (const chunk of tar) {
      bytes += chunk.byteLength;
      if (bytes > maxTarBytes) {
        throw new DeployError("TOO_LARGE_UNCOMPRESSED", `the decompressed tar stream is over ${maxTarBytes} bytes`);
      }
      if (!extract.write(chunk) && !(await drained(extract))) return;
    }
    extract.end(undefined); // streamx's typings want an argument; `undefined` writes nothing
  });
}

/** Resolves true when `extract` wants more data, false once it is destroyed. */
function drained(extract: Extract): Promise<boolean> {
  // A write to a parser the entry loop already destroyed returns false too, and its 'close' has
  // been and gone: waiting for an event then would wait forever.
  if (extract.destroying || extract.destroyed) return Promise.resolve(false);
  return new Promise((resolve) => {
    const settle = (more: boolean) => {
      extract.off("drain", onDrain);
      extract.off("close", onClose);
      resolve(more);
    };
    const onDrain = () => settle(true);
    const onClose = () => settle(false);
    extract.on("drain", onDrain);
    extract.on("close", onClose);
  });
}

/** Checks one tar entry and writes it; every type but a regular file or a folder is refused. */
async function writeEntry(entry: TarEntry, tree: StagingTree): Promise<void> {
  const { name, type } = entry.header;
  const segments = entrySegments(name);
  switch (type) {
    case "file":
    case "contiguous-file": // type '7': a regular file as far as any reader is concerned
      if (isIgnoredEntry(segments)) return drain(entry);
      return tree.addFile(segments, name, asBytes(entry));
    case "directory":
      if (isIgnoredEntry(segments)) return drain(entry);
      return tree.addDirectory(segments, name);
    case "symlink":
    case "link":
      throw new DeployError(
        "LINK",
        `entry ${JSON.stringify(name)}: links are not allowed (${type} to ${JSON.stringify(entry.header.linkname)})`,
      );
    default:
      // Devices, fifos, and anything tar-stream does not name (GNU sparse files, volume labels).
      // Pax and GNU long-name records never reach here: tar-stream folds them into the header.
      throw new DeployError(
        "SPECIAL_FILE",
        `entry ${JSON.stringify(name)}: a ${type ?? "non-regular"} entry is not allowed`,
      );
  }
}

/** Reads and drops an entry's content: the parser moves on only once it is consumed. */
async function drain(entry: TarEntry): Promise<void> {
  for await (const _ of entry);
}

/** The entry's chunks as bytes (tar-stream yields Buffers; its typings say `unknown`). */
async function* asBytes(entry: TarEntry): AsyncGenerator<Uint8Array, void, undefined> {
  for await (const chunk of entry) yield chunk as Uint8Array;
}
