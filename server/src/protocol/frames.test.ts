import { expect, test } from "bun:test";
import { encodeFrame, FrameReader, MAX_FRAME_BYTES } from "./frames.ts";
import type { Wire } from "./protocol.ts";
import { ProtocolError } from "./protocol-error.ts";

function readAll(bytes: Uint8Array, chunkSize: number): Wire[] {
  const reader = new FrameReader();
  const out: Wire[] = [];
  for (let at = 0; at < bytes.byteLength; at += chunkSize) {
    reader.push(bytes.subarray(at, at + chunkSize), (wire) => out.push(wire));
  }
  return out;
}

const asBytes = (wire: Wire) =>
  typeof wire === "string" ? wire : [wire[0], wire[1].map((b) => [...new Uint8Array(b)])];

test("posts cross whole and in order, whatever the chunking: text, text with buffers, empty parts", () => {
  const wires: Wire[] = [
    '{"type":"ready","onIdle":false}',
    ["B{}\nC{}", [new Uint8Array([1, 2, 3]).buffer, new ArrayBuffer(0)]],
    "é ✓",
  ];
  const stream = new Uint8Array(wires.flatMap((wire) => [...encodeFrame(wire)]));
  for (const size of [1, 3, 7, stream.byteLength])
    expect(readAll(stream, size).map(asBytes)).toEqual(wires.map(asBytes));
});

test("a frame announcing more than MAX_FRAME_BYTES is refused from its header, before its bytes are held", () => {
  const header = new Uint8Array(4);
  new DataView(header.buffer).setUint32(0, MAX_FRAME_BYTES + 1, true);
  expect(() => new FrameReader().push(header, () => {})).toThrow(ProtocolError);
  expect(() => new FrameReader().push(new Uint8Array([0xff, 0xff, 0xff, 0x7f, 1, 2]), () => {})).toThrow(/over/);
});

test("a frame whose parts do not add up is refused; so is a post too large to send", () => {
  const frame = encodeFrame(["x", [new ArrayBuffer(4)]]);
  new DataView(frame.buffer).setUint32(9, 1000, true); // the buffer claims more than the frame holds
  expect(() => new FrameReader().push(frame, () => {})).toThrow("a frame whose parts do not add up");
  expect(() => encodeFrame(["x", [new ArrayBuffer(MAX_FRAME_BYTES)]])).toThrow(ProtocolError);
});
