import { describe, expect, test } from "bun:test";
import { Exchange } from "../pool/exchange.ts";
import { liftIdleTimeout, type RequestSocket, restoreIdleTimeout } from "./idle-timeout.ts";

/** A socket that records every timeout set on it (the real one is Bun's server: test/connections.test.ts). */
function fakeSocket(): RequestSocket & { timeouts: number[] } {
  const timeouts: number[] = [];
  return { timeouts, requestIP: () => null, timeout: (_request, seconds) => timeouts.push(seconds) };
}

const request = new Request("http://localhost/");
const IDLE = 75;

/** An app's response the way the pool makes it, whole (`body`) or streamed; `chunk` feeds it. */
async function appResponse(body: ArrayBuffer | "stream") {
  const exchange = new Exchange(1, { send: () => {}, ended: () => {} });
  exchange.onHead({
    type: "response-head",
    id: 1,
    status: 200,
    statusText: "OK",
    headers: [["content-type", "text/event-stream"]],
    body,
  });
  const chunk = (text: string | null) =>
    exchange.onChunk({
      type: "response-chunk",
      id: 1,
      chunk: text === null ? null : new TextEncoder().encode(text).buffer,
    });
  return { response: await exchange.response, chunk };
}

describe("the idle timeout around one request", () => {
  test("lifting sets 0", () => {
    const socket = fakeSocket();
    liftIdleTimeout(socket, request);
    expect(socket.timeouts).toEqual([0]);
  });

  test("a whole body (the runtime's, or an app's) gets it back at once, the response untouched", async () => {
    const socket = fakeSocket();
    const own = Response.json({ ok: true });
    expect(restoreIdleTimeout(socket, request, own, IDLE)).toBe(own);
    const { response } = await appResponse(new TextEncoder().encode("hi").buffer);
    expect(restoreIdleTimeout(socket, request, response, IDLE)).toBe(response);
    expect(socket.timeouts).toEqual([IDLE, IDLE]);
  });

  test("an app's streamed body gets it back when its stream ends, before the end is read", async () => {
    const socket = fakeSocket();
    const { response, chunk } = await appResponse("stream");
    expect(restoreIdleTimeout(socket, request, response, IDLE)).toBe(response);
    const reader = (response.body as ReadableStream<Uint8Array>).getReader();
    chunk("a");
    expect(new TextDecoder().decode((await reader.read()).value)).toBe("a");
    expect(socket.timeouts).toEqual([]);
    chunk(null);
    expect(socket.timeouts).toEqual([IDLE]);
    expect((await reader.read()).done).toBe(true);
  });

  test("a stream that ended before its response reached the pipeline gets it back at once", async () => {
    const socket = fakeSocket();
    const { response, chunk } = await appResponse("stream");
    // The answer to the host's first pull: the end (an empty stream). A chunk comes only per pull.
    chunk(null);
    restoreIdleTimeout(socket, request, response, IDLE);
    expect(socket.timeouts).toEqual([IDLE]);
    expect(await response.text()).toBe("");
  });

  test("with no socket (a request made in-process) nothing is set and nothing wrapped", async () => {
    const { response } = await appResponse("stream");
    expect(restoreIdleTimeout(undefined, request, response, IDLE)).toBe(response);
  });
});
