import { describe, expect, test } from "bun:test";
import { type GuestMessage, WS_FLOW, WS_FRAME_COST } from "../protocol/protocol.ts";
import { GuestSockets, type GuestWebSocket, type WebSocketHandlers } from "./websocket.ts";

const upgradeRequest = () => new Request("http://app/", { headers: { upgrade: "websocket" } });
const tick = () => new Promise<void>((resolve) => queueMicrotask(resolve));

/** A worker's sockets with one upgraded and opened socket (id 1), and what it posted. */
function opened(handlers: WebSocketHandlers = {}) {
  const posted: GuestMessage[] = [];
  const sockets = new GuestSockets(
    (m) => posted.push(m),
    () => handlers,
  );
  const request = upgradeRequest();
  sockets.track(request, 1);
  expect(sockets.server.upgrade(request, { data: { user: "ann" }, headers: { "x-a": "b" } })).toBe(true);
  expect(sockets.settle(1)).toBe(true);
  sockets.opened(1, "10.0.0.1");
  return { sockets, posted };
}

describe("the guest's server and sockets (Bun's shape)", () => {
  test("upgrade: true once per WebSocket request of this fetch; the upgrade message carries the headers", () => {
    const { sockets, posted } = opened();
    expect(posted[0]).toEqual({ type: "upgrade", id: 1, headers: [["x-a", "b"]] });
    const plain = new Request("http://app/");
    sockets.track(plain, 2);
    expect(sockets.server.upgrade(plain)).toBe(false); // not a WebSocket request
    expect(sockets.server.upgrade(new Request("http://app/", { headers: { upgrade: "websocket" } }))).toBe(false); // not this fetch's
    expect(sockets.settle(2)).toBe(false);
  });

  test("open, message (text and binary as binaryType asks), close reach the handlers with data", () => {
    const seen: unknown[] = [];
    const { sockets } = opened({
      open: (ws) => seen.push(["open", ws.data, ws.remoteAddress, ws.readyState]),
      message: (_ws, message) => seen.push(["message", message]),
      close: (ws, code, reason) => seen.push(["close", code, reason, ws.readyState]),
    });
    sockets.message({ type: "ws-message", socket: 1, text: "hi" });
    sockets.message({ type: "ws-message", socket: 1, chunk: new Uint8Array([1, 2]).buffer });
    sockets.closed({ type: "ws-close", socket: 1, code: 1000, reason: "bye" });
    sockets.closed({ type: "ws-close", socket: 1, code: 1000, reason: "again" });
    expect(seen[0]).toEqual(["open", { user: "ann" }, "10.0.0.1", 1]);
    expect(seen[1]).toEqual(["message", "hi"]);
    expect(Buffer.isBuffer((seen[2] as unknown[])[1])).toBe(true);
    expect(seen.slice(3)).toEqual([["close", 1000, "bye", 3]]);
  });

  test("the client's frames are acknowledged together once a step's worth is due, not per frame", async () => {
    const { sockets, posted } = opened();
    sockets.message({ type: "ws-message", socket: 1, text: "abc" });
    await tick();
    expect(posted.filter((m) => m.type === "ws-ack")).toEqual([]);
    sockets.message({ type: "ws-message", socket: 1, chunk: new ArrayBuffer(WS_FLOW.step) });
    sockets.message({ type: "ws-message", socket: 1, text: "de" });
    await tick();
    const bytes = 3 + WS_FLOW.step + 2 + 3 * WS_FRAME_COST;
    expect(posted.filter((m) => m.type === "ws-ack")).toEqual([{ type: "ws-ack", socket: 1, bytes }]);
  });

  test("send answers the bytes, -1 past the window uncredited, 0 (dropped) past the hard limit; drain runs once credited", () => {
    let drains = 0;
    let socket: GuestWebSocket | undefined;
    const { sockets, posted } = opened({
      open: (ws) => {
        socket = ws;
      },
      drain: () => drains++,
    });
    const ws = socket as GuestWebSocket;
    const frame = new Uint8Array(WS_FLOW.window / 2 - WS_FRAME_COST); // two fill the window
    expect(ws.send(frame)).toBe(frame.byteLength);
    expect(ws.send(frame)).toBe(frame.byteLength);
    expect(ws.send(frame)).toBe(-1); // sent, back-pressured
    const sentBefore = posted.filter((m) => m.type === "ws-send").length;
    let results: number[] = [];
    for (let i = 0; i < 20; i++) results.push(ws.send(frame));
    expect(results).toContain(0); // dropped past the hard limit
    expect(ws.getBufferedAmount()).toBeLessThanOrEqual(WS_FLOW.hardLimit);
    expect(posted.filter((m) => m.type === "ws-send").length - sentBefore).toBe(results.filter((r) => r !== 0).length);
    sockets.drained(1, WS_FLOW.window); // not yet below half the window
    expect(drains).toBe(0);
    sockets.drained(1, WS_FLOW.hardLimit);
    expect(drains).toBe(1);
    results = [ws.send("x")];
    expect(results).toEqual([1]);
  });

  test("subscribe/isSubscribed/unsubscribe/publish post their messages; a topic is bounded", () => {
    let socket: GuestWebSocket | undefined;
    const { sockets, posted } = opened({
      open: (ws) => {
        socket = ws;
      },
    });
    const ws = socket as GuestWebSocket;
    ws.subscribe("room");
    expect(ws.isSubscribed("room")).toBe(true);
    expect(ws.subscriptions).toEqual(["room"]);
    ws.publish("room", "hi");
    sockets.server.publish("room", new Uint8Array([7]));
    ws.unsubscribe("room");
    expect(ws.isSubscribed("room")).toBe(false);
    expect(() => ws.subscribe("x".repeat(300))).toThrow(TypeError);
    expect(posted.slice(1).map((m) => m.type)).toEqual(["ws-subscribe", "ws-publish", "ws-publish", "ws-subscribe"]);
    expect(posted[3]).toMatchObject({ type: "ws-publish", socket: 0, topic: "room" });
  });

  test("close posts ws-end once with a valid code, the reason cut to 123 characters; then sends are refused", () => {
    let socket: GuestWebSocket | undefined;
    const { posted } = opened({
      open: (ws) => {
        socket = ws;
      },
    });
    const ws = socket as GuestWebSocket;
    ws.close(4000, "r".repeat(200));
    ws.close(4001);
    expect(ws.send("late")).toBe(0);
    const ends = posted.filter((m) => m.type === "ws-end");
    expect(ends).toEqual([{ type: "ws-end", socket: 1, terminate: false, code: 4000, reason: "r".repeat(123) }]);
  });

  test("a handler that throws goes to error, and never out of the guest", () => {
    const errors: unknown[] = [];
    const { sockets } = opened({
      message: () => {
        throw new Error("boom");
      },
      error: (_ws, error) => errors.push((error as Error).message),
    });
    sockets.message({ type: "ws-message", socket: 1, text: "x" });
    expect(errors).toEqual(["boom"]);
  });
});
