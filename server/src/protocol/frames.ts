/**
 * The process transport's framing (`isolation: "process"`): each post of a `createSender` (a
 * `Wire`) as one length-prefixed frame on the worker's channel, a socket pair on its fd 3.
 *
 * Hand-written instead of Bun's IPC channel, because a worker runs untrusted code that can write
 * anything to that descriptor: Bun's IPC threw an uncaught `Unable to deserialize data` in the
 * server for a 6-byte frame (ending the process), and buffered a frame announcing 2 GB until it
 * was complete. Here a frame announcing more than MAX_FRAME_BYTES, or whose parts do not add up,
 * is a `ProtocolError` at once (that worker is treated as crashed), and nothing is decoded but a
 * text and byte ranges.
 *
 * Layout, little-endian: `u32` length of what follows · `u32` text bytes · the text (UTF-8) ·
 * then per buffer `u32` length · its bytes.
 */
import type { Wire } from "./protocol.ts";
import { ProtocolError } from "./protocol-error.ts";

/** The argument after the guest entry that tells it its host is at the other end of fd 3. */
export const CHANNEL_ARG = "--buntime-channel=3";

/** The file descriptor of a process worker's channel. */
export const CHANNEL_FD = 3;

/**
 * The largest frame either side accepts. Above the largest legitimate post: a log message's 1,024
 * lines of 8 KiB, or a turn's batch of whole bodies (64 KiB each) or stream chunks (the guest
 * sends at most MAX_CHUNK_BYTES of a chunk per pull).
 */
export const MAX_FRAME_BYTES = 64 * 1024 * 1024;

/** A response chunk larger than this crosses in several pulls (a frame stays well under the maximum). */
export const MAX_CHUNK_BYTES = 4 * 1024 * 1024;

/** Texts up to this many characters are encoded straight into their frame. */
const INTO_FRAME_CHARS = 64 * 1024;

/** Chunks held before they are joined into one. */
const MAX_HELD_CHUNKS = 64;

const encoder = new TextEncoder();
const decoder = new TextDecoder();

/** `wire` as one frame. @throws ProtocolError when it would be over MAX_FRAME_BYTES */
export function encodeFrame(wire: Wire): Uint8Array {
  const [text, buffers] = typeof wire === "string" ? [wire, [] as ArrayBuffer[]] : wire;
  let bufferBytes = 0;
  for (const buffer of buffers) bufferBytes += 4 + buffer.byteLength;
  if (4 + text.length + bufferBytes > MAX_FRAME_BYTES) {
    throw new ProtocolError(`a post of at least ${4 + text.length + bufferBytes} bytes, over ${MAX_FRAME_BYTES}`);
  }
  // A short text (every message but a large body or log batch) is encoded straight into the
  // frame, in room for its worst case (3 bytes a UTF-16 unit); a long one is encoded first, exactly.
  const encoded = text.length > INTO_FRAME_CHARS ? encoder.encode(text) : undefined;
  const space = new Uint8Array(8 + (encoded?.byteLength ?? text.length * 3) + bufferBytes);
  let written: number;
  if (encoded) {
    space.set(encoded, 8);
    written = encoded.byteLength;
  } else {
    written = encoder.encodeInto(text, space.subarray(8)).written;
  }
  const size = 4 + written + bufferBytes;
  if (size > MAX_FRAME_BYTES) throw new ProtocolError(`a post of ${size} bytes, over ${MAX_FRAME_BYTES}`);
  const frame = space.subarray(0, 4 + size);
  const view = new DataView(frame.buffer);
  view.setUint32(0, size, true);
  view.setUint32(4, written, true);
  let at = 8 + written;
  for (const buffer of buffers) {
    view.setUint32(at, buffer.byteLength, true);
    frame.set(new Uint8Array(buffer), at + 4);
    at += 4 + buffer.byteLength;
  }
  return frame;
}

/**
 * Frames out of a byte stream, whatever its chunking: `push` each chunk as it is read, and
 * `handle` gets every complete frame's wire in order. Holds at most one frame's bytes.
 */
export class FrameReader {
  #chunks: Uint8Array[] = [];
  #buffered = 0;
  /** The frame being read: its full length (header included), once its header is in. */
  #need = 0;

  /** @throws ProtocolError for a frame over MAX_FRAME_BYTES or whose parts do not add up */
  push(chunk: Uint8Array, handle: (wire: Wire) => void): void {
    // A writer trickling a frame byte by byte must not cost an object per byte: small chunks
    // are joined as they come (at most one frame's bytes are held either way).
    if (this.#chunks.length >= MAX_HELD_CHUNKS) this.#chunks = [this.#take(this.#buffered, false)];
    this.#chunks.push(chunk);
    this.#buffered += chunk.byteLength;
    for (;;) {
      if (this.#need === 0) {
        if (this.#buffered < 4) return;
        const header = this.#take(4, false);
        const size = new DataView(header.buffer, header.byteOffset, 4).getUint32(0, true);
        if (size > MAX_FRAME_BYTES)
          throw new ProtocolError(`a frame announcing ${size} bytes, over ${MAX_FRAME_BYTES}`);
        this.#need = 4 + size;
      }
      if (this.#buffered < this.#need) return;
      const frame = this.#take(this.#need, true);
      this.#need = 0;
      handle(decodeFrame(frame));
    }
  }

  /** The first `bytes` buffered, one array (removed from the buffer when `consume`). */
  #take(bytes: number, consume: boolean): Uint8Array {
    const first = this.#chunks[0] as Uint8Array;
    let out: Uint8Array;
    if (first.byteLength >= bytes) {
      out = first.subarray(0, bytes);
    } else {
      out = new Uint8Array(bytes);
      let at = 0;
      for (const chunk of this.#chunks) {
        const part = chunk.subarray(0, bytes - at);
        out.set(part, at);
        at += part.byteLength;
        if (at === bytes) break;
      }
    }
    if (consume) this.#drop(bytes);
    return out;
  }

  #drop(bytes: number): void {
    this.#buffered -= bytes;
    while (bytes > 0) {
      const first = this.#chunks[0] as Uint8Array;
      if (first.byteLength <= bytes) {
        this.#chunks.shift();
        bytes -= first.byteLength;
      } else {
        this.#chunks[0] = first.subarray(bytes);
        bytes = 0;
      }
    }
  }
}

/** A whole frame (header included) as its wire. @throws ProtocolError when its parts do not add up */
function decodeFrame(frame: Uint8Array): Wire {
  const view = new DataView(frame.buffer, frame.byteOffset, frame.byteLength);
  const end = frame.byteLength;
  const part = (at: number): number => {
    if (at + 4 > end) throw new ProtocolError("a frame whose parts do not add up");
    const length = view.getUint32(at, true);
    if (at + 4 + length > end) throw new ProtocolError("a frame whose parts do not add up");
    return length;
  };
  const textLength = part(4);
  const text = decoder.decode(frame.subarray(8, 8 + textLength));
  let at = 8 + textLength;
  if (at === end) return text;
  const buffers: ArrayBuffer[] = [];
  while (at < end) {
    const length = part(at);
    buffers.push(frame.slice(at + 4, at + 4 + length).buffer as ArrayBuffer);
    at += 4 + length;
  }
  return [text, buffers];
}

/** One end of a frame channel (`frameChannel`). */
export interface FrameChannel {
  /** Writes `wire` as one frame; the promise fails when the other end is gone. @throws ProtocolError when it is too large */
  send(wire: Wire): Promise<void>;
  /**
   * Calls `onWire` with every frame that arrives, in order: resolves when the other end closes,
   * rejects when a read fails (a `ProtocolError` for bytes that are no frame).
   */
  read(onWire: (wire: Wire) => void): Promise<void>;
  /** Stops reading and writing (the descriptor itself stays open: its owner closes it). */
  close(): void;
}

/** Frames over the socket `fd`: the host's end of a process worker's channel, and the guest's. */
export function frameChannel(fd: number): FrameChannel {
  const writer = Bun.file(fd).writer();
  const reader = Bun.file(fd).stream().getReader();
  return {
    send(wire) {
      writer.write(encodeFrame(wire));
      return Promise.resolve(writer.flush()).then(() => {});
    },
    async read(onWire) {
      const frames = new FrameReader();
      for (;;) {
        const { value, done } = await reader.read();
        if (done) return;
        frames.push(value, onWire);
      }
    },
    close() {
      void reader.cancel().catch(() => {});
      try {
        writer.end();
      } catch {
        // already closed
      }
    },
  };
}
