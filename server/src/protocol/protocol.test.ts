import { describe, expect, test } from "bun:test";
import fc from "fast-check";
import { parseGuestMessage } from "./guest-messages.ts";
import {
  copyBytes,
  createSender,
  type HostMessage,
  MAX_POST_CHARS,
  ProtocolError,
  receive,
  type Wire,
} from "./protocol.ts";

/** A sender whose posts are recorded; `turn()` resolves after the batch of this turn is flushed. */
function recorder() {
  const posts: { data: Wire; transfer: ArrayBuffer[] | undefined }[] = [];
  const send = createSender((data, transfer) => posts.push({ data, transfer }));
  const turn = () => new Promise<void>((resolve) => setImmediate(resolve));
  const received = () => {
    const out: HostMessage[] = [];
    for (const { data } of posts) receive<HostMessage>(data, (m) => out.push(m));
    return out;
  };
  return { posts, send, turn, received };
}

const bytes = (...values: number[]) => new Uint8Array(values).buffer;

test("messages of one turn cross as one post, in order, and come back equal", async () => {
  const { posts, send, turn, received } = recorder();
  const messages: HostMessage[] = [
    { type: "ping", seq: 1 },
    { type: "request", id: 1, method: "GET", url: "http://x/", headers: { a: "1" }, body: null },
    { type: "response-pull", id: 1 },
  ];
  for (const message of messages) send(message);
  expect(posts).toHaveLength(0);
  await turn();
  expect(posts).toHaveLength(1);
  expect(typeof posts[0]?.data).toBe("string");
  expect(received()).toEqual(messages);
});

test("byte-carrying messages ride in the same post, their buffers transferred in order", async () => {
  const { posts, send, turn, received } = recorder();
  const first = bytes(1, 2);
  const second = bytes(3);
  send({ type: "request", id: 1, method: "POST", url: "http://x/", headers: {}, body: first });
  send({ type: "ping", seq: 7 });
  send({ type: "request-chunk", id: 2, chunk: second });
  send({ type: "request-chunk", id: 2, chunk: null });
  await turn();
  expect(posts).toHaveLength(1);
  expect(posts[0]?.transfer).toEqual([first, second]);
  const [request, ping, chunk, end] = received();
  expect(request).toMatchObject({ type: "request", id: 1, body: first });
  expect(ping).toEqual({ type: "ping", seq: 7 });
  expect(chunk).toMatchObject({ type: "request-chunk", id: 2, chunk: second });
  expect(end).toEqual({ type: "request-chunk", id: 2, chunk: null });
});

test("the next turn is a new post", async () => {
  const { posts, send, turn } = recorder();
  send({ type: "ping", seq: 1 });
  await turn();
  send({ type: "ping", seq: 2 });
  await turn();
  expect(posts.map((p) => p.data)).toEqual(['{"type":"ping","seq":1}', '{"type":"ping","seq":2}']);
});

test("a batch whose transfer fails (a buffer listed twice) goes as copies instead of failing", async () => {
  const posts: Wire[] = [];
  const send = createSender((data, transfer) => {
    if (transfer && new Set(transfer).size !== transfer.length) throw new DOMException("duplicate", "DataCloneError");
    posts.push(data);
  });
  const shared = bytes(9, 9);
  send({ type: "request-chunk", id: 1, chunk: shared });
  send({ type: "request-chunk", id: 1, chunk: shared });
  await new Promise<void>((resolve) => setImmediate(resolve));
  const chunks: unknown[] = [];
  receive<HostMessage>(posts[0] as Wire, (m) =>
    chunks.push(m.type === "request-chunk" && new Uint8Array(m.chunk ?? new ArrayBuffer(0))),
  );
  expect(chunks).toEqual([new Uint8Array([9, 9]), new Uint8Array([9, 9])]);
});

test("copyBytes gives a fresh buffer: the writer's bytes stay theirs", () => {
  const whole = new Uint8Array([1, 2, 3]);
  const copy = copyBytes(whole);
  expect(copy).not.toBe(whole.buffer);
  expect(new Uint8Array(copy)).toEqual(whole);
  structuredClone(copy, { transfer: [copy] });
  expect(whole).toEqual(new Uint8Array([1, 2, 3]));
  expect(new Uint8Array(copyBytes(whole.subarray(1)))).toEqual(new Uint8Array([2, 3]));
});

describe("receive refuses what is not a wire, with a ProtocolError", () => {
  test.each<[string, unknown, string]>([
    ["a line that is not JSON", "not json", 'a line that is not JSON: "not json"'],
    ["an empty line", '{"type":"ping","seq":1}\n', 'a line that is not JSON: ""'],
    ["null", null, "a post that is not a wire: null"],
    ["a number", 42, "a post that is not a wire: 42"],
    ["an object", { type: "ping" }, "a post that is not a wire: [object Object]"],
    ["three parts", ["{}", [], "x"], "a post that is not a wire: an array of 3"],
    ["buffers that are not buffers", ["{}", ["x"]], "a post that is not a wire"],
    ["a B line without its buffer", ['B{"type":"request","id":1}', []], "0 buffers for 1 byte lines"],
    ["a buffer no line takes", ['{"type":"ping","seq":1}', [new ArrayBuffer(1)]], "1 buffers for 0 byte lines"],
    ["a C line that is not an object", ["C5", [new ArrayBuffer(1)]], "a C line that is not an object: 5"],
  ])("%s", (_, data, message) => {
    expect(() => receive(data, () => {})).toThrow(ProtocolError);
    expect(() => receive(data, () => {})).toThrow(message);
  });

  test("buffers that do not match the lines are refused before any message is handled", () => {
    const handled: unknown[] = [];
    expect(() => receive(['{"type":"ping","seq":1}', [new ArrayBuffer(1)]], (m) => handled.push(m))).toThrow();
    expect(handled).toEqual([]);
  });

  test("a long line is quoted cut", () => {
    expect(() => receive("x".repeat(100_000), () => {})).toThrow(/^a line that is not JSON: "x{80}…"$/);
  });

  test("property: whatever is posted, receiving and checking it throws nothing but a ProtocolError", () => {
    const line = fc.oneof(fc.json(), fc.string(), fc.constantFrom("B", "C", "B{}", "C{}", "B[]", "C null", ""));
    const lines = fc.array(line, { maxLength: 4 }).map((parts) => parts.join("\n"));
    const buffers = fc.array(
      fc.oneof(
        fc.constant(null).map(() => new ArrayBuffer(2)),
        fc.anything(),
      ),
      {
        maxLength: 3,
      },
    );
    const posted = fc.oneof(
      fc.anything(),
      fc.string(),
      lines,
      fc.tuple(lines, buffers),
      fc.tuple(fc.anything(), fc.anything()),
    );
    fc.assert(
      fc.property(posted, (data) => {
        try {
          receive(data, (value) => parseGuestMessage(value));
        } catch (error) {
          expect(error).toBeInstanceOf(ProtocolError);
        }
      }),
      { numRuns: 2000 },
    );
  });
});

test("a post over MAX_POST_CHARS is refused before any line is read; so is a flood of empty lines, at the first", () => {
  const handled: unknown[] = [];
  const huge = `${JSON.stringify({ type: "pong" })}\n`.repeat(Math.ceil(MAX_POST_CHARS / 16) + 1);
  expect(() => receive(huge, (m) => handled.push(m))).toThrow(`over ${MAX_POST_CHARS}`);
  expect(() => receive([huge, []], (m) => handled.push(m))).toThrow(`over ${MAX_POST_CHARS}`);
  const newlines = "\n".repeat(10_000_000);
  expect(() => receive(newlines, (m) => handled.push(m))).toThrow('a line that is not JSON: ""');
  expect(() => receive([newlines, [new ArrayBuffer(1)]], (m) => handled.push(m))).toThrow(
    'a line that is not JSON: ""',
  );
  expect(handled).toEqual([]);
});

test("a turn of many large messages (a broadcast: 1 MiB to each of 70 sockets) goes as several posts, each readable", async () => {
  const { posts, send, turn, received } = recorder();
  const text = "x".repeat(1024 * 1024);
  for (let socket = 1; socket <= 70; socket++) send({ type: "ws-message", socket, text });
  await turn();
  expect(posts.length).toBeGreaterThan(1);
  for (const { data } of posts) expect((typeof data === "string" ? data : data[0]).length).toBeLessThan(MAX_POST_CHARS);
  expect(received().map((m) => (m.type === "ws-message" ? m.socket : 0))).toEqual(
    Array.from({ length: 70 }, (_, i) => i + 1),
  );
});
