import { expect, test } from "bun:test";
import { INLINE_TEXT_LIMIT, inlineText, isWholeBody, recordingResponse, WHOLE_BODY_LIMIT } from "./app-response.ts";

const AppResponse = recordingResponse(Response);

test.each([
  ["a string", "hello"],
  ["bytes", new Uint8Array([1, 2, 3])],
  ["an ArrayBuffer", new ArrayBuffer(8)],
  ["a Blob", new Blob(["abc"])],
  ["URLSearchParams", new URLSearchParams({ a: "1" })],
  ["an empty string", ""],
] as const)("a body made from %s is whole, and reads back unchanged", async (_, body) => {
  const response = new AppResponse(body);
  expect(isWholeBody(response)).toBe(true);
  expect(new Uint8Array(await response.arrayBuffer())).toEqual(new Uint8Array(await new Response(body).arrayBuffer()));
});

test("a stream, no body, or a body over the limit is not whole (it takes the stream path)", () => {
  const stream = new ReadableStream({ start: (c) => c.close() });
  expect(isWholeBody(new AppResponse(stream))).toBe(false);
  expect(isWholeBody(new AppResponse(null))).toBe(false);
  expect(isWholeBody(new AppResponse())).toBe(false);
  expect(isWholeBody(new AppResponse(new Uint8Array(WHOLE_BODY_LIMIT + 1)))).toBe(false);
  expect(isWholeBody(new AppResponse("x".repeat(WHOLE_BODY_LIMIT)))).toBe(false);
  expect(isWholeBody(new AppResponse(new Uint8Array(WHOLE_BODY_LIMIT)))).toBe(true);
});

test("responses made elsewhere are Responses but not known whole", () => {
  const json = Response.json({ a: 1 });
  expect(json instanceof AppResponse).toBe(true);
  expect(isWholeBody(json)).toBe(false);
});

test("a string body gets the type Bun.serve would send; an explicit type is kept", () => {
  expect(new AppResponse("hi").headers.get("content-type")).toBe("text/plain;charset=utf-8");
  expect(new AppResponse("<p>", { headers: { "content-type": "text/html" } }).headers.get("content-type")).toBe(
    "text/html",
  );
  expect(new AppResponse(new Uint8Array(1)).headers.get("content-type")).toBeNull();
});

test("a short string body crosses as text while unread; a long one, bytes, or a read one does not", async () => {
  expect(inlineText(new AppResponse("hello"))).toBe("hello");
  expect(inlineText(new AppResponse(""))).toBe("");
  expect(inlineText(new AppResponse("x".repeat(INLINE_TEXT_LIMIT + 1)))).toBeUndefined();
  expect(isWholeBody(new AppResponse("x".repeat(INLINE_TEXT_LIMIT + 1)))).toBe(true);
  expect(inlineText(new AppResponse(new Uint8Array([104, 105])))).toBeUndefined();
  const read = new AppResponse("hello");
  await read.text();
  expect(inlineText(read)).toBeUndefined();
});
