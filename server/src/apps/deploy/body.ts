import type { BodyReader } from "../../util/body-reader.ts";
import { DeployError } from "./errors.ts";

/**
 * The uploaded archive as it arrives: counts the compressed bytes and refuses the upload the
 * moment it passes `maxBytes`, however the client framed it (a `content-length` can lie or be
 * absent). `cancel()` stops the upload even while a read is pending, so a refusal does not wait
 * for a slow client to finish sending.
 */
export class ArchiveBody {
  readonly #reader: BodyReader;
  readonly #maxBytes: number;
  #bytes = 0;
  #uploadError: { error: unknown } | undefined;
  #cancelled = false;

  /** Locks `source`; the caller must `cancel()` once done, whatever happened. */
  constructor(source: ReadableStream<Uint8Array>, maxBytes: number) {
    this.#reader = source.getReader();
    this.#maxBytes = maxBytes;
  }

  /**
   * The body's chunks, each counted before it is handed on.
   * @throws DeployError ARCHIVE_TOO_LARGE; or whatever the source itself failed with
   */
  async *chunks(): AsyncGenerator<Uint8Array, void, undefined> {
    for (;;) {
      const result = await this.#reader.read().catch((error: unknown) => {
        this.#uploadError = { error };
        throw error;
      });
      if (result.done) return;
      this.#bytes += result.value.byteLength;
      if (this.#bytes > this.#maxBytes) {
        throw new DeployError("ARCHIVE_TOO_LARGE", `the archive is larger than ${this.#maxBytes} bytes`);
      }
      yield result.value;
    }
  }

  /**
   * True when `error` is the upload's own failure (an aborted request, an HTTP-layer limit),
   * which is passed on as it is rather than blamed on the archive.
   */
  isUploadError(error: unknown): boolean {
    return this.#uploadError !== undefined && this.#uploadError.error === error;
  }

  /** Stops reading the upload and releases it; a pending read ends at once. Idempotent. */
  async cancel(): Promise<void> {
    if (this.#cancelled) return;
    this.#cancelled = true;
    // Cancelling a fully read body is harmless; on an errored one it rejects, which is moot here.
    await this.#reader.cancel().catch(() => {});
    this.#reader.releaseLock();
  }
}
