/**
 * A request body as a deployment reads it, remembering how the body itself failed: a client that
 * closed the connection mid-upload makes Bun error the body (an `AbortError`), and that is the
 * client's fault (400), where a failure of the extraction behind it may be the server's (500).
 * `extractArchive` passes an upload's failure through as it is; this tells it apart by identity.
 *
 * @example
 * const upload = new WatchedUpload(request.body);
 * try {
 *   await extractArchive({ source: upload.stream, ... });
 * } catch (error) {
 *   if (upload.failedWith(error)) return badRequest("the upload was cut off");
 *   throw error;
 * }
 */
export class WatchedUpload {
  /** The body's bytes, unchanged; cancelling it cancels the body. */
  readonly stream: ReadableStream<Uint8Array>;
  #failure: { error: unknown } | undefined;

  constructor(body: ReadableStream<Uint8Array>) {
    const reader = body.getReader();
    let cancelled = false;
    this.stream = new ReadableStream<Uint8Array>(
      {
        pull: async (controller) => {
          let next: Awaited<ReturnType<typeof reader.read>>;
          try {
            next = await reader.read();
          } catch (error) {
            this.#failure = { error };
            controller.error(error);
            return;
          }
          // A cancel while the read was pending has closed the stream: nothing to hand on.
          if (cancelled) return;
          if (next.done) controller.close();
          else controller.enqueue(next.value);
        },
        cancel: (reason) => {
          cancelled = true;
          return reader.cancel(reason);
        },
      },
      { highWaterMark: 0 }, // read the body only as the extraction asks: a refusal stops it at once
    );
  }

  /** True when `error` is the body's own failure (the client went away), not the reader's. */
  failedWith(error: unknown): boolean {
    return this.#failure !== undefined && this.#failure.error === error;
  }
}
