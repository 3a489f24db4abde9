import { describe, expect, test } from "bun:test";
import { WatchedUpload } from "./upload.ts";

async function readAll(stream: ReadableStream<Uint8Array>): Promise<number[]> {
  const bytes: number[] = [];
  for await (const chunk of stream) bytes.push(...chunk);
  return bytes;
}

describe("WatchedUpload", () => {
  test("passes the body's bytes through unchanged", async () => {
    const body = new ReadableStream<Uint8Array>({
      start(controller) {
        controller.enqueue(new Uint8Array([1, 2]));
        controller.enqueue(new Uint8Array([3]));
        controller.close();
      },
    });
    expect(await readAll(new WatchedUpload(body).stream)).toEqual([1, 2, 3]);
  });

  test("recognises the body's own failure, and only that", async () => {
    const closed = new DOMException("The connection was closed.", "AbortError");
    const body = new ReadableStream<Uint8Array>({
      pull(controller) {
        controller.error(closed);
      },
    });
    const upload = new WatchedUpload(body);
    expect(upload.failedWith(closed)).toBe(false); // nothing failed yet
    const error = await readAll(upload.stream).catch((e: unknown) => e);
    expect(error).toBe(closed);
    expect(upload.failedWith(closed)).toBe(true);
    expect(upload.failedWith(new Error("the reader's own trouble"))).toBe(false);
  });

  test("cancelling it cancels the body, even while a read is pending", async () => {
    const cancelled = Promise.withResolvers<unknown>();
    const reading = Promise.withResolvers<void>();
    const body = new ReadableStream<Uint8Array>(
      {
        pull() {
          reading.resolve();
          return new Promise(() => {}); // a client that sends nothing more
        },
        cancel(reason) {
          cancelled.resolve(reason);
        },
      },
      { highWaterMark: 0 },
    );
    const upload = new WatchedUpload(body);
    const reader = upload.stream.getReader();
    const pending = reader.read();
    await reading.promise;
    await reader.cancel("refused");
    expect(await cancelled.promise).toBe("refused");
    expect(await pending).toEqual({ done: true, value: undefined });
    expect(upload.failedWith("refused")).toBe(false);
  });
});
