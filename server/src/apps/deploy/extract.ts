import { ArchiveBody } from "./body.ts";
import { type ExtractLimits, parseLimits } from "./limits.ts";
import { StagingTree } from "./staging.ts";
import { extractTarGz } from "./tar.ts";
import { extractZip } from "./zip.ts";

// The module's public surface: the function, its option and result types, and its error.
export { DeployError, type DeployErrorCode } from "./errors.ts";
export type { ExtractLimits } from "./limits.ts";

/** What `extractArchive` reads, where it writes, and the ceilings it enforces. */
export interface ExtractOptions {
  /** The archive as uploaded (the request body); read once, and cancelled on a refusal. */
  source: ReadableStream<Uint8Array>;
  /** The format the client declared; bytes of another format are CORRUPT_ARCHIVE. */
  kind: "tar.gz" | "zip";
  /**
   * An existing, empty folder to extract into, on the same filesystem as APPS_DIR so the caller
   * can rename it into place. A zip is spooled beside it, to `<stagingDir>.zip`.
   */
  stagingDir: string;
  limits: ExtractLimits;
}

/** What was extracted. */
export interface ExtractResult {
  /** `stagingDir`, or its single top-level folder when the archive had everything under one. */
  root: string;
  /** Files and folders created (the quantity `maxFiles` limits). */
  files: number;
  /** Content bytes written (the quantity `maxUncompressedBytes` limits). */
  bytes: number;
}

/**
 * Streams an uploaded `.tar.gz` or `.zip` into `stagingDir`, refusing anything that could
 * escape the folder or exhaust the machine: unsafe paths, links, devices and fifos, too many
 * files, too many bytes compressed or decompressed (counted as written, never trusted from
 * headers), and bytes that are not a valid archive of `kind`. Files get mode 0o644 and folders
 * 0o755 whatever the archive says; each file is fsync'ed before it is closed.
 *
 * On a refusal it stops reading the upload at once, closes every file it opened and removes its
 * zip spool file, but leaves whatever it had extracted: the caller removes `stagingDir`.
 *
 * @throws DeployError with the refusal's `code`, naming the entry
 * @throws TypeError when `limits` is not three positive integers
 * @example
 * const staging = await mkdtemp(join(appsDir, ".staging-"));
 * try {
 *   const { root } = await extractArchive({
 *     source: request.body,
 *     kind: "tar.gz",
 *     stagingDir: staging,
 *     limits: { maxArchiveBytes: 50e6, maxFiles: 10_000, maxUncompressedBytes: 200e6 },
 *   });
 *   await loadAppVersion(name, version, root); // then rename `root` into place
 * } catch (error) {
 *   await rm(staging, { recursive: true, force: true });
 *   throw error;
 * }
 */
export async function extractArchive(options: ExtractOptions): Promise<ExtractResult> {
  const limits = parseLimits(options.limits);
  const tree = new StagingTree(options.stagingDir, limits);
  const body = new ArchiveBody(options.source, limits.maxArchiveBytes);
  try {
    switch (options.kind) {
      case "tar.gz":
        await extractTarGz(body, tree, limits);
        break;
      case "zip":
        await extractZip(body, tree, `${tree.dir}.zip`);
        break;
      default: {
        const kind: never = options.kind;
        throw new TypeError(`extractArchive: unknown archive kind ${JSON.stringify(kind)}`);
      }
    }
  } finally {
    await body.cancel();
  }
  return { root: tree.root(), files: tree.files, bytes: tree.bytes };
}
