import { describe, expect, test } from "bun:test";
import { versionKey } from "../apps/version-key.ts";
import { type HostMessage, WS_FLOW, WS_FRAME_COST } from "../protocol/protocol.ts";
import { type ClientSocket, HostSocket, topicOf, upgradeOf } from "./socket.ts";

/** A fake Bun ServerWebSocket whose buffered amount the test sets. */
interface FakeClient extends ClientSocket {
  buffered: number;
  sent: (string | Uint8Array)[];
  calls: string[];
}

function fakeClient(): FakeClient {
  const calls: string[] = [];
  const client: FakeClient = {
    remoteAddress: "127.0.0.1",
    buffered: 0,
    sent: [] as (string | Uint8Array)[],
    calls,
    sendText(data: string) {
      client.sent.push(data);
      return data.length;
    },
    sendBinary(data: Uint8Array) {
      client.sent.push(data);
      return data.byteLength;
    },
    publish: (topic: string) => calls.push(`publish ${topic}`),
    subscribe: (topic: string) => calls.push(`subscribe ${topic}`),
    unsubscribe: (topic: string) => calls.push(`unsubscribe ${topic}`),
    close: (code?: number, reason?: string) => calls.push(`close ${code} ${reason}`),
    terminate: () => calls.push("terminate"),
    pause: () => calls.push("pause"),
    resume: () => calls.push("resume"),
    getBufferedAmount: () => client.buffered,
    cork<T>(callback: (ws: FakeClient) => T): T {
      calls.push("cork");
      return callback(client);
    },
  };
  return client;
}

function socketWith() {
  const sent: HostMessage[] = [];
  const gone: HostSocket[] = [];
  const socket = new HostSocket(7, {
    key: versionKey("chat", "1.0.0"),
    send: (message) => sent.push(message),
    gone: (s) => gone.push(s),
  });
  const client = fakeClient();
  socket.open(client);
  return { socket, client, sent, gone };
}

const tick = () => new Promise<void>((resolve) => queueMicrotask(resolve));

describe("HostSocket", () => {
  test("the upgrade's 101 stands for its socket; the open tells the app", () => {
    const { socket, sent } = socketWith();
    const response = socket.response([["x-a", "b"]]);
    expect(response.status).toBe(101);
    expect(response.headers.get("x-a")).toBe("b");
    expect(upgradeOf(response)).toBe(socket);
    expect(upgradeOf(new Response(null, { status: 101 }))).toBeUndefined();
    expect(sent).toEqual([{ type: "ws-open", socket: 7, remoteAddress: "127.0.0.1" }]);
  });

  test("app → client: frames of a turn are written corked once, and credited back together once a step is due", async () => {
    const { socket, client, sent } = socketWith();
    socket.send({ text: "abc" });
    socket.send({ chunk: new Uint8Array([1, 2]).buffer });
    await tick();
    expect(client.sent).toEqual(["abc", new Uint8Array([1, 2])]);
    expect(client.calls).toEqual(["cork"]);
    await tick();
    expect(sent.filter((m) => m.type === "ws-drain")).toEqual([]); // 5 bytes and two frames: not a step yet
    socket.send({ chunk: new ArrayBuffer(WS_FLOW.step) });
    await tick();
    await tick();
    expect(sent.filter((m) => m.type === "ws-drain")).toEqual([
      { type: "ws-drain", socket: 7, bytes: 5 + WS_FLOW.step + 3 * WS_FRAME_COST },
    ]);
  });

  test("a backed-up connection withholds the credit until Bun's drain, and only once it has room", async () => {
    const { socket, client, sent } = socketWith();
    client.buffered = WS_FLOW.window + 1;
    socket.send({ text: "x".repeat(WS_FLOW.step) });
    await tick();
    await tick();
    expect(sent.some((m) => m.type === "ws-drain")).toBe(false);
    socket.drained(); // still over the bound
    await tick();
    expect(sent.some((m) => m.type === "ws-drain")).toBe(false);
    client.buffered = 0;
    socket.drained();
    await tick();
    expect(sent.filter((m) => m.type === "ws-drain")).toEqual([
      { type: "ws-drain", socket: 7, bytes: WS_FLOW.step + WS_FRAME_COST },
    ]);
  });

  test("client → app: reading pauses past the window unacknowledged and resumes below half of it", () => {
    const { socket, client, sent } = socketWith();
    const big = new Uint8Array(WS_FLOW.window / 2 + 1);
    socket.fromClient(big);
    expect(client.calls).not.toContain("pause");
    socket.fromClient(big);
    expect(client.calls).toContain("pause");
    expect(sent.filter((m) => m.type === "ws-message").length).toBe(2);
    socket.acked(big.byteLength);
    expect(client.calls).not.toContain("resume");
    socket.acked(big.byteLength);
    expect(client.calls).toContain("resume");
  });

  test("empty frames fill the window too (each costs WS_FRAME_COST): a flood of them is paused", () => {
    const { socket, client, sent } = socketWith();
    const frames = WS_FLOW.window / WS_FRAME_COST;
    for (let i = 0; i < frames; i++) socket.fromClient("");
    expect(client.calls).not.toContain("pause");
    socket.fromClient("");
    expect(client.calls).toContain("pause");
    expect(sent.filter((m) => m.type === "ws-message").length).toBe(frames + 1);
  });

  test("client frames are copied: the app never shares Bun's buffer", () => {
    const { socket, sent } = socketWith();
    const bytes = new Uint8Array([9, 9]);
    socket.fromClient(bytes);
    bytes[0] = 1;
    const message = sent.find((m) => m.type === "ws-message") as { chunk: ArrayBuffer };
    expect(new Uint8Array(message.chunk)).toEqual(new Uint8Array([9, 9]));
  });

  test("topics are the version's: prefixed with its key", () => {
    const { socket, client } = socketWith();
    socket.subscribe("room", true);
    socket.publish("room", { text: "hi" });
    socket.subscribe("room", false);
    const topic = topicOf(versionKey("chat", "1.0.0"), "room");
    expect(client.calls.filter((c) => c !== "cork")).toEqual([
      `subscribe ${topic}`,
      `publish ${topic}`,
      `unsubscribe ${topic}`,
    ]);
  });

  test("a runtime close closes the client, tells the app only when asked, and happens once", async () => {
    const { socket, client, sent, gone } = socketWith();
    socket.close(1012, "worker ttl", false);
    socket.close(1011, "again", true);
    socket.clientClosed(1012, "worker ttl");
    expect(client.calls).toEqual(["close 1012 worker ttl"]);
    expect(sent.some((m) => m.type === "ws-close")).toBe(false);
    expect(gone).toEqual([socket]);
    socket.send({ text: "late" });
    await tick();
    expect(client.sent).toEqual([]);
  });

  test("a client's close reaches the app with its code; a refused upgrade as 1006", () => {
    const { socket, sent } = socketWith();
    socket.clientClosed(1000, "bye");
    expect(sent.at(-1)).toEqual({ type: "ws-close", socket: 7, code: 1000, reason: "bye" });
    const pending = new HostSocket(8, { key: versionKey("chat", "1.0.0"), send: (m) => sent.push(m), gone: () => {} });
    pending.refused();
    expect(sent.at(-1)).toEqual({ type: "ws-close", socket: 8, code: 1006, reason: "upgrade failed" });
  });

  test("the app's close and terminate act on the client", () => {
    const { socket, client } = socketWith();
    socket.endByApp(4000, "done", false);
    socket.endByApp(undefined, undefined, true);
    expect(client.calls).toEqual(["close 4000 done", "terminate"]);
  });
});
