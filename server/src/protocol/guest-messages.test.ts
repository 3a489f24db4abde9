import { describe, expect, test } from "bun:test";
import fc from "fast-check";
import { guestMessage, isGuestMessage, parseGuestMessage } from "./guest-messages.ts";
import { ProtocolError } from "./protocol.ts";

const buffer = fc.constant(null).map(() => new ArrayBuffer(4));
const id = fc.integer({ min: 1, max: Number.MAX_SAFE_INTEGER });
const count = fc.nat();
const headerList = fc.array(fc.tuple(fc.string(), fc.string()), { maxLength: 3 });

/** One valid message of each type, as a guest sends it. */
const validMessage = fc.oneof(
  fc.record({ type: fc.constant("ready"), onIdle: fc.boolean() }),
  fc.record({ type: fc.constant("start-failed"), message: fc.string() }),
  fc.record(
    {
      type: fc.constant("response-head"),
      id,
      status: fc.integer({ min: 200, max: 599 }),
      statusText: fc.string(),
      headers: headerList,
      body: fc.oneof(buffer, fc.constantFrom(null, "stream")),
      text: fc.string(),
    },
    { requiredKeys: ["type", "id", "status", "statusText", "headers", "body"] },
  ),
  fc.record({ type: fc.constant("response-chunk"), id, chunk: fc.oneof(buffer, fc.constant(null)) }),
  fc.record({ type: fc.constant("app-error"), id, message: fc.string(), midStream: fc.boolean() }),
  fc.record({ type: fc.constant("request-pull"), id }),
  fc.record({ type: fc.constant("pong"), seq: count, heapUsed: count, rss: count }),
  fc.record({ type: fc.constant("stopped") }),
  fc.record({ type: fc.constant("upgrade"), id, headers: headerList }),
  fc.record({ type: fc.constant("ws-send"), socket: id, text: fc.string() }),
  fc.record({ type: fc.constant("ws-send"), socket: id, chunk: buffer }),
  fc.record({
    type: fc.constant("ws-publish"),
    socket: count,
    topic: fc.string({ maxLength: 300 }),
    text: fc.string(),
  }),
  fc.record({ type: fc.constant("ws-publish"), socket: count, topic: fc.string(), chunk: buffer }),
  fc.record({ type: fc.constant("ws-subscribe"), socket: id, topic: fc.string(), on: fc.boolean() }),
  fc.record(
    {
      type: fc.constant("ws-end"),
      socket: id,
      code: fc.integer({ min: 990, max: 5000 }),
      reason: fc.string({ maxLength: 130 }),
      terminate: fc.boolean(),
    },
    { requiredKeys: ["type", "socket", "terminate"] },
  ),
  fc.record({ type: fc.constant("ws-ack"), socket: id, bytes: count }),
);

/** Values just off some rule, or on its edge. */
const EDGES: unknown[] = [
  0,
  -0,
  -1,
  1,
  1.5,
  199,
  200,
  599,
  600,
  999,
  1000,
  4999,
  5000,
  "x".repeat(123),
  "x".repeat(124),
  "x".repeat(256),
  "x".repeat(257),
  Number.NaN,
  Number.POSITIVE_INFINITY,
  2 ** 53,
  "",
  "200",
  "stream",
  "streams",
  "nope",
  null,
  undefined,
  true,
  [],
  [["a"]],
  [["a", "b", "c"]],
  [[1, 2]],
  [["a", 2]],
  [["a", "b"]],
  {},
  new ArrayBuffer(1),
];

/** Edge values, and now and then anything at all. */
const edge = fc.oneof({ weight: 4, arbitrary: fc.constantFrom(...EDGES) }, { weight: 1, arbitrary: fc.anything() });

/** A valid message with one field replaced by an edge value, or removed. */
const nearlyValid = fc.tuple(validMessage, fc.nat(), edge, fc.boolean()).map(([message, pick, value, remove]) => {
  const keys = Object.keys(message);
  const key = keys[pick % keys.length] as string;
  const copy: Record<string, unknown> = { ...message };
  if (remove) delete copy[key];
  else copy[key] = value;
  return copy;
});

describe("isGuestMessage, the hot path's hand-written check", () => {
  test("property: it accepts exactly what the zod schema accepts", () => {
    fc.assert(
      fc.property(fc.oneof(validMessage, nearlyValid, nearlyValid, fc.anything()), (value) => {
        expect(isGuestMessage(value)).toBe(guestMessage.safeParse(value).success);
      }),
      { numRuns: 3000 },
    );
  });

  test("and on every message with one field set to each edge value, or removed", () => {
    for (const message of EXAMPLES) {
      for (const key of [...Object.keys(message), "text", "chunk"]) {
        for (const value of [...EDGES, REMOVED]) {
          const copy: Record<string, unknown> = { ...message };
          if (value === REMOVED) delete copy[key];
          else copy[key] = value;
          expect({ copy, accepted: isGuestMessage(copy) }).toEqual({
            copy,
            accepted: guestMessage.safeParse(copy).success,
          });
        }
      }
    }
  });

  test("accepts each message as the guest sends it", () => {
    for (const message of EXAMPLES) expect(isGuestMessage(message)).toBe(true);
  });
});

const REMOVED = Symbol("removed");

/** One message of each type as the guest sends it (every shape of body). */
const EXAMPLES: Record<string, unknown>[] = [
  { type: "ready", onIdle: false },
  { type: "start-failed", message: "Error: x" },
  { type: "response-head", id: 1, status: 200, statusText: "", headers: [["a", "b"]], body: null, text: "hi" },
  { type: "response-head", id: 2, status: 599, statusText: "x", headers: [], body: new ArrayBuffer(1) },
  { type: "response-head", id: 3, status: 204, statusText: "", headers: [], body: "stream" },
  { type: "response-chunk", id: 1, chunk: null },
  { type: "app-error", id: 1, message: "Error: x", midStream: true },
  { type: "request-pull", id: 9 },
  { type: "pong", seq: 0, heapUsed: 1, rss: 2 },
  { type: "stopped" },
  { type: "upgrade", id: 4, headers: [["x", "y"]] },
  { type: "ws-send", socket: 4, text: "hi" },
  { type: "ws-send", socket: 4, chunk: new ArrayBuffer(2) },
  { type: "ws-publish", socket: 0, topic: "room", text: "hi" },
  { type: "ws-publish", socket: 4, topic: "", chunk: new ArrayBuffer(2) },
  { type: "ws-subscribe", socket: 4, topic: "room", on: true },
  { type: "ws-end", socket: 4, code: 1000, reason: "bye", terminate: false },
  { type: "ws-end", socket: 4, terminate: true },
  { type: "ws-ack", socket: 4, bytes: 10 },
];

describe("parseGuestMessage", () => {
  test.each<[string, unknown, string]>([
    ["null", null, "a message the protocol refuses"],
    ["an unknown type", { type: "nope" }, 'a "nope" message the protocol refuses at type'],
    ["status 600", { type: "response-head", id: 1, status: 600, statusText: "", headers: [], body: null }, "at status"],
    ["an id of 0", { type: "request-pull", id: 0 }, 'a "request-pull" message the protocol refuses at id'],
    [
      "a header that is no pair",
      { type: "response-head", id: 1, status: 200, statusText: "", headers: [["a"]], body: null },
      "at headers.0",
    ],
  ])("refuses %s with a ProtocolError naming where", (_, value, where) => {
    expect(() => parseGuestMessage(value)).toThrow(ProtocolError);
    expect(() => parseGuestMessage(value)).toThrow(where);
  });

  test("a long type is cut in the description", () => {
    let message = "";
    try {
      parseGuestMessage({ type: "x".repeat(100_000) });
    } catch (error) {
      message = (error as Error).message;
    }
    expect(message.length).toBeLessThan(400);
  });
});
