/**
 * Guest side of WebSockets: the `server` an app's `fetch(request, server)` receives, whose
 * `upgrade` records the upgrade (the guest then answers `upgrade` instead of a response head),
 * and the `ServerWebSocket` the app's `websocket` handlers see, in Bun's shape. Frames cross to
 * the host as protocol messages (`pool/socket.ts` is the other end); flow control follows
 * `WS_FLOW`: `send` answers the bytes sent, -1 once `window` bytes wait to be credited back
 * (the app's `drain` runs when they are), 0 (dropped) past `hardLimit`, as Bun's `send` does
 * around its `backpressureLimit`.
 */
import type { AppServer } from "@buntime/sdk";
import {
  copyBytes,
  type GuestMessage,
  type HeaderList,
  MAX_TOPIC_CHARS,
  MAX_TOPICS_PER_SOCKET,
  WS_FLOW,
  type WsCloseMessage,
  type WsMessageMessage,
  wsPayload,
  wsSize,
} from "../protocol/protocol.ts";
import { IdTable } from "../util/id-table.ts";

type Post = (message: GuestMessage) => void;
type Data = string | ArrayBufferLike | ArrayBufferView;

/** The app's `websocket` handlers, as `Bun.serve` takes them (only the ones the runtime calls). */
export interface WebSocketHandlers {
  open?(ws: GuestWebSocket): unknown;
  message?(ws: GuestWebSocket, message: string | Uint8Array | ArrayBuffer): unknown;
  close?(ws: GuestWebSocket, code: number, reason: string): unknown;
  drain?(ws: GuestWebSocket): unknown;
  error?(ws: GuestWebSocket, error: unknown): unknown;
}

interface Upgrade {
  data: unknown;
  headers: HeaderList;
}

/** The sockets of this worker, and the `server` object apps' `fetch` receives. */
export class GuestSockets {
  readonly #post: Post;
  readonly #handlers: () => WebSocketHandlers | undefined;
  /** Requests being answered, to their id (what `upgrade(request)` is given). */
  readonly #requests = new WeakMap<Request, number>();
  // IdTables, not Maps: entries in and out per connection (util/id-table.ts says why).
  readonly #upgrades = new IdTable<Upgrade>();
  readonly #sockets = new IdTable<GuestWebSocket>();
  /** Client bytes handled per socket and not acknowledged yet (see #ack). */
  readonly #acks = new IdTable<number>();
  readonly #acking = new Set<number>();
  /** The `server` argument of `fetch(request, server)`: Bun's shape, where it makes sense here. */
  readonly server: AppServer;

  constructor(post: Post, handlers: () => WebSocketHandlers | undefined) {
    this.#post = post;
    this.#handlers = handlers;
    const sockets = this;
    this.server = {
      upgrade(request: Request, options?: { data?: unknown; headers?: HeadersInit }): boolean {
        return sockets.#upgrade(request, options);
      },
      publish(topic: string, data: Data): number {
        return sockets.publish(0, topic, data);
      },
      get pendingWebSockets() {
        return sockets.#sockets.size;
      },
    };
  }

  /** Notes that `request` is being answered as request `id`. */
  track(request: Request, id: number): void {
    this.#requests.set(request, id);
  }

  /**
   * After the app answered request `id`: true when it upgraded it (the `upgrade` message is
   * posted and the socket waits for the host's `ws-open`), false for an ordinary answer.
   */
  settle(id: number): boolean {
    const upgrade = this.#upgrades.get(id);
    if (!upgrade) return false;
    this.#upgrades.delete(id);
    this.#sockets.set(id, new GuestWebSocket(id, upgrade.data, this));
    this.#post({ type: "upgrade", id, headers: upgrade.headers });
    return true;
  }

  /** Request `id` failed: an upgrade it recorded is void. */
  forget(id: number): void {
    this.#upgrades.delete(id);
  }

  opened(socket: number, remoteAddress: string): void {
    const ws = this.#sockets.get(socket);
    if (!ws) return;
    ws.opened(remoteAddress);
    this.#call(ws, (h) => h.open?.(ws));
  }

  message(message: WsMessageMessage): void {
    const ws = this.#sockets.get(message.socket);
    if (!ws) return;
    const data = message.text ?? ws.binary(message.chunk ?? new ArrayBuffer(0));
    this.#call(ws, (h) => h.message?.(ws, data));
    this.#ack(message.socket, wsSize(message));
  }

  closed(message: WsCloseMessage): void {
    const ws = this.#sockets.get(message.socket);
    if (!ws) return;
    this.#sockets.delete(message.socket);
    this.#acks.delete(message.socket);
    const wasOpen = ws.readyState === 1 || ws.readyState === 2;
    ws.readyState = 3;
    if (wasOpen) this.#call(ws, (h) => h.close?.(ws, message.code, message.reason));
  }

  drained(socket: number, bytes: number): void {
    const ws = this.#sockets.get(socket);
    if (ws?.credited(bytes)) this.#call(ws, (h) => h.drain?.(ws));
  }

  /** `publish` from socket `socket` (0: the server). Returns the bytes, as Bun's does on success. */
  publish(socket: number, topic: string, data: Data): number {
    checkTopic(topic);
    const frame = frameOf(data);
    this.#post({ type: "ws-publish", socket, topic, ...frame });
    return wsPayload(frame);
  }

  post(message: GuestMessage): void {
    this.#post(message);
  }

  #upgrade(request: Request, options?: { data?: unknown; headers?: HeadersInit }): boolean {
    const id = this.#requests.get(request);
    if (id === undefined || this.#upgrades.has(id) || this.#sockets.has(id)) return false;
    if (request.headers.get("upgrade")?.toLowerCase() !== "websocket") return false;
    const headers = [...new Headers(options?.headers)] as HeaderList;
    this.#upgrades.set(id, { data: options?.data, headers });
    return true;
  }

  /** Calls a handler the way Bun does: a throw goes to `error`, else it is logged (never kills the guest). */
  #call(ws: GuestWebSocket, run: (handlers: WebSocketHandlers) => unknown): void {
    const handlers = this.#handlers();
    if (!handlers) return;
    const fail = (error: unknown) => {
      try {
        if (handlers.error) handlers.error(ws, error);
        else console.error("[buntime] websocket handler threw:", error);
      } catch (inner) {
        console.error("[buntime] websocket error handler threw:", inner);
      }
    };
    try {
      const result = run(handlers);
      if (result instanceof Promise) result.catch(fail);
    } catch (error) {
      fail(error);
    }
  }

  /** One `ws-ack` for the frames handled this turn, once `WS_FLOW.step` bytes are due (see WS_FLOW). */
  #ack(socket: number, bytes: number): void {
    const due = (this.#acks.get(socket) ?? 0) + bytes;
    this.#acks.set(socket, due);
    if (due < WS_FLOW.step || this.#acking.has(socket)) return;
    this.#acking.add(socket);
    queueMicrotask(() => {
      this.#acking.delete(socket);
      const total = this.#acks.get(socket) ?? 0;
      if (!this.#sockets.has(socket) || total === 0) return;
      this.#acks.set(socket, 0);
      this.#post({ type: "ws-ack", socket, bytes: total });
    });
  }
}

/** `ServerWebSocket`, as an app in a worker sees it. */
export class GuestWebSocket {
  readonly #id: number;
  readonly #sockets: GuestSockets;
  readonly #topics = new Set<string>();
  /** Bytes sent and not yet credited back by the host. */
  #pending = 0;
  /** `send` answered -1 since the last `drain`. */
  #wantsDrain = false;
  data: unknown;
  /** 0 connecting, 1 open, 2 closing, 3 closed (WebSocket's numbers). */
  readyState = 0;
  remoteAddress = "";
  binaryType: "nodebuffer" | "arraybuffer" | "uint8array" = "nodebuffer";

  constructor(id: number, data: unknown, sockets: GuestSockets) {
    this.#id = id;
    this.data = data;
    this.#sockets = sockets;
  }

  /** @internal */
  opened(remoteAddress: string): void {
    this.readyState = 1;
    this.remoteAddress = remoteAddress;
  }

  /** @internal A binary frame as `binaryType` asks. */
  binary(buffer: ArrayBuffer): Uint8Array | ArrayBuffer {
    if (this.binaryType === "arraybuffer") return buffer;
    if (this.binaryType === "uint8array") return new Uint8Array(buffer);
    return Buffer.from(buffer);
  }

  /** @internal The host credited `bytes` back; true when the app's `drain` should run. */
  credited(bytes: number): boolean {
    this.#pending = Math.max(0, this.#pending - bytes);
    if (!this.#wantsDrain || this.#pending > WS_FLOW.window / 2 || this.readyState !== 1) return false;
    this.#wantsDrain = false;
    return true;
  }

  get subscriptions(): string[] {
    return [...this.#topics];
  }

  send(data: Data, _compress?: boolean): number {
    if (this.readyState !== 1) return 0;
    const frame = frameOf(data);
    const size = wsSize(frame);
    if (this.#pending + size > WS_FLOW.hardLimit) {
      this.#wantsDrain = true;
      return 0;
    }
    this.#pending += size;
    this.#sockets.post({ type: "ws-send", socket: this.#id, ...frame });
    if (this.#pending > WS_FLOW.window) {
      this.#wantsDrain = true;
      return -1;
    }
    return wsPayload(frame);
  }

  sendText(data: string, compress?: boolean): number {
    return this.send(String(data), compress);
  }

  sendBinary(data: ArrayBufferLike | ArrayBufferView, compress?: boolean): number {
    return this.send(data, compress);
  }

  close(code?: number, reason?: string): void {
    if (this.readyState !== 1) return;
    this.readyState = 2;
    const message = { type: "ws-end", socket: this.#id, terminate: false } as const;
    this.#sockets.post({
      ...message,
      ...(code !== undefined && Number.isInteger(code) && code >= 1000 && code <= 4999 && { code }),
      ...(reason !== undefined && { reason: String(reason).slice(0, 123) }),
    });
  }

  terminate(): void {
    if (this.readyState !== 1 && this.readyState !== 2) return;
    this.readyState = 2;
    this.#sockets.post({ type: "ws-end", socket: this.#id, terminate: true });
  }

  subscribe(topic: string): void {
    checkTopic(topic);
    if (this.readyState !== 1 || this.#topics.has(topic)) return;
    if (this.#topics.size >= MAX_TOPICS_PER_SOCKET)
      throw new RangeError(`a socket subscribes to at most ${MAX_TOPICS_PER_SOCKET} topics`);
    this.#topics.add(topic);
    this.#sockets.post({ type: "ws-subscribe", socket: this.#id, topic, on: true });
  }

  unsubscribe(topic: string): void {
    if (this.readyState !== 1 || !this.#topics.delete(topic)) return;
    this.#sockets.post({ type: "ws-subscribe", socket: this.#id, topic, on: false });
  }

  isSubscribed(topic: string): boolean {
    return this.#topics.has(topic);
  }

  publish(topic: string, data: Data, _compress?: boolean): number {
    if (this.readyState !== 1) return 0;
    return this.#sockets.publish(this.#id, topic, data);
  }

  publishText(topic: string, data: string, compress?: boolean): number {
    return this.publish(topic, String(data), compress);
  }

  publishBinary(topic: string, data: ArrayBufferLike | ArrayBufferView, compress?: boolean): number {
    return this.publish(topic, data, compress);
  }

  cork<T>(callback: (ws: this) => T): T {
    return callback(this);
  }

  getBufferedAmount(): number {
    return this.#pending;
  }

  /** Pings and pongs are the host's (Bun answers and sends them on the real connection). */
  ping(): number {
    return 0;
  }

  pong(): number {
    return 0;
  }
}

function checkTopic(topic: string): void {
  if (typeof topic !== "string" || topic.length > MAX_TOPIC_CHARS) {
    throw new TypeError(`a topic is a string of at most ${MAX_TOPIC_CHARS} characters`);
  }
}

/** What the app sends, as a frame: text as it is, bytes copied (they stay the app's). */
function frameOf(data: Data): { text: string; chunk?: undefined } | { text?: undefined; chunk: ArrayBuffer } {
  if (typeof data === "string") return { text: data };
  if (ArrayBuffer.isView(data)) {
    return { chunk: copyBytes(new Uint8Array(data.buffer, data.byteOffset, data.byteLength)) };
  }
  if (data instanceof ArrayBuffer || data instanceof SharedArrayBuffer)
    return { chunk: copyBytes(new Uint8Array(data)) };
  return { text: String(data) };
}
