import { describe, expect, test } from "bun:test";
import { versionKey } from "../apps/version-key.ts";
import { type HostMessage, ProtocolError } from "../protocol/protocol.ts";
import { Exchange } from "./exchange.ts";
import type { ClientSocket } from "./socket.ts";
import { upgradeOf } from "./socket.ts";
import { VirtualClock } from "./virtual-clock.ts";
import { WorkerSockets } from "./worker-sockets.ts";

/** A Bun ServerWebSocket that records what reaches the client. */
function fakeClient(): ClientSocket & { got: string[] } {
  const got: string[] = [];
  return {
    got,
    remoteAddress: "127.0.0.1",
    sendText: (data) => got.push(`text ${data}`),
    sendBinary: (data) => got.push(`binary ${data.byteLength}`),
    publish: () => 0,
    subscribe: () => {},
    unsubscribe: () => {},
    close: (code) => void got.push(`close ${code}`),
    terminate: () => void got.push("terminate"),
    pause: () => {},
    resume: () => {},
    getBufferedAmount: () => 0,
    cork(callback) {
      return callback(this);
    },
  };
}

/** One worker's sockets, having been sent requests 1…`sentUpTo`. */
function worker(sentUpTo: number, clock = new VirtualClock()) {
  const sent: HostMessage[] = [];
  let gone = 0;
  const sockets = new WorkerSockets({
    key: versionKey("chat", "1.0.0"),
    clock,
    send: (message) => sent.push(message),
    sent: (id) => id <= sentUpTo,
    onGone: () => gone++,
  });
  /** Request `id` upgraded, its client connected: the client. */
  const open = async (id: number) => {
    const exchange = new Exchange(id, { send: () => {}, ended: () => {} });
    sockets.upgrade({ type: "upgrade", id, headers: [] }, exchange, 30_000);
    const socket = upgradeOf(await exchange.response);
    const client = fakeClient();
    socket?.open(client);
    return client;
  };
  return { sockets, sent, open, clock, gone: () => gone };
}

const tick = () => new Promise<void>((resolve) => queueMicrotask(resolve));

describe("WorkerSockets", () => {
  test("a frame reaches the socket it names", async () => {
    const a = worker(3);
    const client = await a.open(3);
    a.sockets.onMessage({ type: "ws-send", socket: 3, text: "hi" });
    await tick();
    expect(client.got).toEqual(["text hi"]);
  });

  test("another worker's socket id is never reached: each worker finds only its own sockets", async () => {
    const a = worker(5);
    const b = worker(5);
    const client = await a.open(5);
    // Worker b was sent a request 5 too (not upgraded): its frames for "socket 5" go nowhere.
    b.sockets.onMessage({ type: "ws-send", socket: 5, text: "not yours" });
    b.sockets.onMessage({ type: "ws-end", socket: 5, terminate: true });
    await tick();
    expect(client.got).toEqual([]);
    expect(a.sockets.size).toBe(1);
  });

  test("a socket id this worker was never sent is a protocol fault", () => {
    const a = worker(2);
    expect(() => a.sockets.onMessage({ type: "ws-ack", socket: 3, bytes: 1 })).toThrow(ProtocolError);
  });

  test("an upgrade of an ended request is answered with a close; of an answered one, a fault", async () => {
    const a = worker(2);
    a.sockets.upgrade({ type: "upgrade", id: 1, headers: [] }, undefined, 30_000);
    expect(a.sent).toEqual([{ type: "ws-close", socket: 1, code: 1006, reason: "request ended" }]);
    const streaming = new Exchange(2, { send: () => {}, ended: () => {} });
    streaming.onHead({ type: "response-head", id: 2, status: 200, statusText: "", headers: [], body: "stream" });
    expect(() => a.sockets.upgrade({ type: "upgrade", id: 2, headers: [] }, streaming, 30_000)).toThrow(
      "an upgrade of request 2, already answered",
    );
    expect(a.sockets.size).toBe(0);
  });

  test("a socket whose client never opens is closed after the timeout and forgotten", async () => {
    const a = worker(1);
    const exchange = new Exchange(1, { send: () => {}, ended: () => {} });
    a.sockets.upgrade({ type: "upgrade", id: 1, headers: [] }, exchange, 30_000);
    expect(a.sockets.size).toBe(1);
    await a.clock.advance(30_000);
    expect(a.sockets.size).toBe(0);
    expect(a.gone()).toBe(1);
    expect(a.sent).toContainEqual({ type: "ws-close", socket: 1, code: 1006, reason: "the client never opened" });
  });

  test("closeAll closes every socket with the code and forgets them", async () => {
    const a = worker(2);
    const one = await a.open(1);
    const two = await a.open(2);
    a.sockets.closeAll(1012, "worker ttl", false);
    expect([one.got, two.got]).toEqual([["close 1012"], ["close 1012"]]);
    expect(a.sockets.size).toBe(0);
    expect(a.sent.filter((m) => m.type === "ws-close")).toEqual([]); // tellApp false
  });
});
