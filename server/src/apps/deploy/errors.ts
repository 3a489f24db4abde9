/**
 * Why an archive was refused. Every code is a 400 for the deployment route
 * (docs/routes.md#deployments: "a path that leaves its folder, a link, or an archive over the size
 * limit is refused with 400").
 */
export type DeployErrorCode =
  | "ARCHIVE_TOO_LARGE"
  | "TOO_MANY_FILES"
  | "TOO_LARGE_UNCOMPRESSED"
  | "UNSAFE_PATH"
  | "LINK"
  | "SPECIAL_FILE"
  | "CORRUPT_ARCHIVE";

/**
 * An archive refused by `extractArchive`; the message names the entry when there is one.
 *
 * @example
 * try {
 *   await extractArchive(options);
 * } catch (error) {
 *   if (error instanceof DeployError) return badRequest(error.code, error.message);
 *   throw error;
 * }
 */
export class DeployError extends Error {
  override readonly name = "DeployError";
  readonly code: DeployErrorCode;

  constructor(code: DeployErrorCode, message: string, options?: ErrorOptions) {
    super(message, options);
    this.code = code;
  }
}

/** Where a failure happened, for `blameArchive`. */
export interface FailureContext {
  kind: "tar.gz" | "zip";
  /** The entry being read when it failed, if any. */
  entry?: string | undefined;
  /** Recognises the upload's own failures. */
  isUploadError?: (error: unknown) => boolean;
}

/**
 * Decides whose fault a failure was. Our own refusals, the filesystem's errors (they have a
 * `syscall`: a full disk is the server's problem, not the archive's) and the upload's own
 * failures (an aborted request, the HTTP layer's BODY_TOO_LARGE) pass through unchanged.
 * Anything else was thrown by a parser (zlib, tar-stream, yauzl) reading bytes that are not a
 * valid archive of that kind, and becomes CORRUPT_ARCHIVE.
 */
export function blameArchive(error: unknown, context: FailureContext): unknown {
  if (error instanceof DeployError || isSystemError(error) || context.isUploadError?.(error)) return error;
  const where = context.entry === undefined ? "" : `entry ${JSON.stringify(context.entry)}: `;
  const message = error instanceof Error ? error.message : String(error);
  return new DeployError("CORRUPT_ARCHIVE", `not a valid ${context.kind} archive: ${where}${message}`, {
    cause: error,
  });
}

/** A Node-style filesystem error (`ENOSPC`, `EACCES`, ...). */
export function isSystemError(error: unknown): error is NodeJS.ErrnoException {
  return error instanceof Error && typeof (error as NodeJS.ErrnoException).syscall === "string";
}
