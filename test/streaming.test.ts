/**
 * docs/routes.md#app-routes (bodies stream both ways) and BODY_TOO_LARGE (docs/errors.md), through
 * a real server.
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { writeAppCode } from "./_pool-helpers.ts";
import { startTestServer, stopThenRemove, type TestServer, tempAppsDir } from "./_setup.ts";

const MB = 1024 * 1024;

/** `size` random bytes (getRandomValues fills at most 64 KiB per call). */
function randomBytes(size: number): Uint8Array<ArrayBuffer> {
  const bytes = new Uint8Array(size);
  for (let at = 0; at < size; at += 65536) crypto.getRandomValues(bytes.subarray(at, at + 65536));
  return bytes;
}

/** A body with no length: `bytes` in `chunkSize` pieces. */
function streamOf(bytes: Uint8Array, chunkSize = 100_000): ReadableStream<Uint8Array> {
  let at = 0;
  return new ReadableStream({
    pull(controller) {
      if (at >= bytes.length) return controller.close();
      controller.enqueue(bytes.slice(at, at + chunkSize));
      at += chunkSize;
    },
  });
}

const sha256 = (bytes: Uint8Array) => new Bun.CryptoHasher("sha256").update(bytes).digest("hex");
const streamed = (body: ReadableStream<Uint8Array>): RequestInit =>
  ({ method: "POST", body, duplex: "half" }) as RequestInit;

describe("with the default MAX_BODY_SIZE (10mb)", () => {
  let server: TestServer;
  const upload = randomBytes(8 * MB);
  const uploadHash = sha256(upload);

  beforeAll(async () => {
    server = await startTestServer();
  });
  afterAll(() => server.stop());

  test("Server-Sent Events reach the client as they are written", async () => {
    const start = performance.now();
    const res = await fetch(server.at("/sse/?count=3&interval=300"));
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toBe("text/event-stream");
    const reader = res.body!.getReader();
    const decoder = new TextDecoder();
    const first = await reader.read();
    const firstAt = performance.now() - start;
    let text = decoder.decode(first.value, { stream: true });
    for (let next = await reader.read(); !next.done; next = await reader.read()) {
      text += decoder.decode(next.value, { stream: true });
    }
    const endAt = performance.now() - start;
    expect(decoder.decode(first.value)).toStartWith("id: 0\nevent: tick\n");
    expect(text.match(/^event: tick$/gm)).toHaveLength(3);
    // The app writes its last event 600 ms after its first; a buffering proxy delivers all at the end.
    expect(endAt).toBeGreaterThanOrEqual(550);
    expect(endAt - firstAt).toBeGreaterThanOrEqual(450);
  });

  test("an 8 MB upload with a content-length reaches the app whole", async () => {
    const res = await fetch(server.at("/echo/hash"), { method: "POST", body: upload });
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ sha256: uploadHash, size: upload.length });
  });

  test("an 8 MB upload with no length (chunked) reaches the app whole", async () => {
    const res = await fetch(server.at("/echo/hash"), streamed(streamOf(upload)));
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ sha256: uploadHash, size: upload.length });
  });

  test("a streamed body is echoed back byte for byte", async () => {
    const res = await fetch(server.at("/echo/stream"), streamed(streamOf(upload, 65_536 + 7)));
    expect(res.status).toBe(200);
    const back = new Uint8Array(await res.arrayBuffer());
    expect(back.length).toBe(upload.length);
    expect(sha256(back)).toBe(uploadHash);
  });

  test("an upload is not buffered whole: the app echoes the first chunk before the body ends", async () => {
    const received: string[] = [];
    let onData = () => {};
    const socket = await Bun.connect({
      hostname: "127.0.0.1",
      port: server.port,
      socket: {
        data(_socket, data) {
          received.push(new TextDecoder().decode(data));
          onData();
        },
      },
    });
    const seen = (text: string) =>
      new Promise<void>((resolve) => {
        onData = () => received.join("").includes(text) && resolve();
        onData();
      });
    socket.write("POST /echo/stream HTTP/1.1\r\nHost: 127.0.0.1\r\nTransfer-Encoding: chunked\r\n\r\n");
    socket.write("b\r\nfirst-chunk\r\n");
    // Only after the first chunk came back does the client send the rest.
    await seen("first-chunk");
    expect(received.join("")).toStartWith("HTTP/1.1 200");
    socket.write("c\r\nsecond-chunk\r\n0\r\n\r\n");
    await seen("second-chunk");
    socket.end();
  });

  test("a 3 MB response arrives whole", async () => {
    const res = await fetch(server.at("/echo/bytes?n=3000000"));
    expect(res.status).toBe(200);
    const body = new Uint8Array(await res.arrayBuffer());
    expect(body.length).toBe(3_000_000);
    expect(body.every((byte) => byte === 97)).toBe(true);
  });
});

describe("with MAX_BODY_SIZE=1mb", () => {
  let server: TestServer;
  const overLimit = randomBytes(2 * MB);

  beforeAll(async () => {
    server = await startTestServer({ MAX_BODY_SIZE: "1mb" });
  });
  afterAll(() => server.stop());

  async function expectTooLarge(res: Response): Promise<void> {
    expect(res.status).toBe(413);
    expect(res.headers.get("content-type")).toStartWith("application/json");
    const body = (await res.json()) as { error: { code: string; message: string } };
    expect(body.error.code).toBe("BODY_TOO_LARGE");
    expect(typeof body.error.message).toBe("string");
  }

  test("a declared content-length over the limit → 413 BODY_TOO_LARGE", async () => {
    await expectTooLarge(await fetch(server.at("/echo/hash"), { method: "POST", body: overLimit }));
  });

  test("a chunked body with no length that passes the limit → 413 BODY_TOO_LARGE", async () => {
    await expectTooLarge(await fetch(server.at("/echo/hash"), streamed(streamOf(overLimit))));
  });

  test("a body of exactly the limit is served, with a length and without", async () => {
    const exact = overLimit.subarray(0, MB);
    const withLength = await fetch(server.at("/echo/hash"), { method: "POST", body: exact });
    expect(await withLength.json()).toEqual({ sha256: sha256(exact), size: MB });
    const chunked = await fetch(server.at("/echo/hash"), streamed(streamOf(exact)));
    expect(await chunked.json()).toEqual({ sha256: sha256(exact), size: MB });
  });

  test("the server keeps serving after refusing a body", async () => {
    await expectTooLarge(await fetch(server.at("/echo/hash"), streamed(streamOf(overLimit))));
    const res = await fetch(server.at("/echo/hash"), { method: "POST", body: "small" });
    expect(await res.json()).toEqual({ sha256: sha256(new TextEncoder().encode("small")), size: 5 });
  });
});

/**
 * Chunks belong to whoever wrote them: an app may enqueue one constant on every request, a
 * caller may send the same buffer twice. Moving their buffers across threads would empty them.
 */
describe("a chunk written more than once", () => {
  let apps: ReturnType<typeof tempAppsDir>;
  let server: TestServer;
  const REPEATING = `const PING = new TextEncoder().encode("ping\\n");
export default {
  fetch() {
    let sent = 0;
    return new Response(new ReadableStream({
      async pull(controller) {
        await Bun.sleep(1); // a stream still being written: it crosses chunk by chunk
        controller.enqueue(PING);
        if (++sent === 3) controller.close();
      },
    }));
  },
};
`;

  beforeAll(async () => {
    apps = tempAppsDir("echo");
    writeAppCode(apps.dir, "repeating", REPEATING);
    server = await startTestServer({ APPS_DIR: apps.dir });
  });
  afterAll(() => stopThenRemove(server, apps));

  test("an app's constant chunk arrives every time, request after request", async () => {
    for (let i = 0; i < 3; i++) {
      const res = await fetch(server.at("/repeating/"));
      expect(res.status).toBe(200);
      expect(await res.text()).toBe("ping\nping\nping\n");
    }
  });

  test("a caller's chunk sent twice reaches the app twice, and stays the caller's", async () => {
    const chunk = new TextEncoder().encode("chunk-");
    let sent = 0;
    const body = new ReadableStream<Uint8Array>({
      async pull(controller) {
        await Bun.sleep(1);
        controller.enqueue(chunk);
        if (++sent === 2) controller.close();
      },
    });
    const res = await server.fetch(new Request(server.at("/echo/stream"), streamed(body)));
    expect(await res.text()).toBe("chunk-chunk-");
    expect(new TextDecoder().decode(chunk)).toBe("chunk-");
  });
});
