/**
 * One client WebSocket relayed to a worker, on the host side: the app (in the worker) upgraded
 * request `id`, the HTTP server upgraded the client's connection (`http/websocket.ts`), and
 * frames go both ways as protocol messages, in order, with flow control both ways (`WS_FLOW`):
 *
 * - app → client: each frame the app sends is credited back (`ws-drain`) once written, unless
 *   the client's connection holds more than `window` bytes unsent; then the credit waits for
 *   Bun's `drain`. The app's `ws.send` answers -1 past `window` of uncredited bytes and drops
 *   past `hardLimit`, so a client that reads slowly holds at most about `window + hardLimit`
 *   bytes of the server's memory, and a flooding app is slowed (or told it drops), not buffered.
 * - client → app: past `window` bytes the app has not acknowledged (`ws-ack`), the host stops
 *   reading the client (`pause`), so a flooding client meets TCP back-pressure.
 *
 * Pub/sub uses Bun's own topics, each prefixed with the version's key, so a publish reaches the
 * subscribers on every worker of that version and no other.
 */
import type { VersionKey } from "../apps/version-key.ts";
import {
  copyBytes,
  type HeaderList,
  type HostMessage,
  MAX_TOPICS_PER_SOCKET,
  WS_FLOW,
  wsSize,
} from "../protocol/protocol.ts";

/** What the host needs of Bun's `ServerWebSocket` (an interface, so tests can fake it). */
export interface ClientSocket {
  readonly remoteAddress: string;
  sendText(data: string): number;
  sendBinary(data: Uint8Array): number;
  publish(topic: string, data: string | Uint8Array): number;
  subscribe(topic: string): void;
  unsubscribe(topic: string): void;
  close(code?: number, reason?: string): void;
  terminate(): void;
  pause(): void;
  resume(): void;
  getBufferedAmount(): number;
  cork<T>(callback: (ws: this) => T): T;
}

/** A frame's payload as the protocol carries it. */
export interface Frame {
  text?: string | undefined;
  chunk?: ArrayBuffer | undefined;
}

/** Close codes the runtime uses (RFC 6455 §7.4.1 and the IANA registry). */
export const CLOSE_CODES = { serviceRestart: 1012, internalError: 1011, abnormal: 1006 } as const;

/** What a socket needs of its worker. */
export interface SocketOwner {
  key: VersionKey;
  send(message: HostMessage): void;
  /** The socket is closed (or its upgrade failed): forget it. */
  gone(socket: HostSocket): void;
}

/** The Responses that stand for an upgrade (status 101), to the socket they stand for. */
const upgrades = new WeakMap<Response, HostSocket>();

/** The socket `response` stands for, when the app upgraded its request; else undefined. */
export function upgradeOf(response: Response): HostSocket | undefined {
  return upgrades.get(response);
}

export class HostSocket {
  readonly id: number;
  #owner: SocketOwner;
  #ws: ClientSocket | undefined;
  #closed = false;
  /** Bytes of the app's frames written and not yet credited back. */
  #credit = 0;
  #creditScheduled = false;
  /** The client's connection is backed up: credits wait for Bun's `drain`. */
  #withheld = false;
  /** Bytes of the client's frames sent to the app and not acknowledged. */
  #inbound = 0;
  #paused = false;
  readonly #topics = new Set<string>();
  /** The app's frames of this turn, written together (see `send`). */
  #outbox: Frame[] = [];

  constructor(id: number, owner: SocketOwner) {
    this.id = id;
    this.#owner = owner;
  }

  get closed(): boolean {
    return this.#closed;
  }

  /** The client's connection opened (Bun's `open` came). */
  get opened(): boolean {
    return this.#ws !== undefined;
  }

  /** A Response (101) standing for this upgrade, for the HTTP server to act on (`upgradeOf`). */
  response(headers: HeaderList): Response {
    const list = new Headers();
    for (const [name, value] of headers) list.append(name, value);
    const response = new Response(null, { status: 101, headers: list });
    upgrades.set(response, this);
    return response;
  }

  /** The client's connection is open: the app's `open` runs. */
  open(ws: ClientSocket): void {
    if (this.#closed) {
      ws.close(CLOSE_CODES.serviceRestart, "worker gone");
      return;
    }
    this.#ws = ws;
    this.#owner.send({ type: "ws-open", socket: this.id, remoteAddress: ws.remoteAddress });
  }

  /** The HTTP server could not upgrade the connection: the app hears of a close (1006). */
  refused(): void {
    this.#end(CLOSE_CODES.abnormal, "upgrade failed");
  }

  /** A frame from the client. */
  fromClient(message: string | Uint8Array): void {
    if (this.#closed) return;
    const frame = typeof message === "string" ? { text: message } : { chunk: copyBytes(message) };
    this.#inbound += wsSize(frame);
    this.#owner.send({ type: "ws-message", socket: this.id, ...frame });
    if (!this.#paused && this.#inbound > WS_FLOW.window) {
      this.#paused = true;
      this.#ws?.pause();
    }
  }

  /** The app took `bytes` of the client's frames. */
  acked(bytes: number): void {
    this.#inbound = Math.max(0, this.#inbound - bytes);
    if (this.#paused && this.#inbound <= WS_FLOW.window / 2) {
      this.#paused = false;
      this.#ws?.resume();
    }
  }

  /**
   * A frame from the app, for the client. Frames of one post from the worker are written
   * together, corked (one write to the socket instead of one per frame: outside Bun's own
   * handlers nothing corks them, and writing a small frame costs a system call each).
   */
  send(frame: Frame): void {
    if (this.#closed || !this.#ws) return;
    this.#outbox.push(frame);
    if (this.#outbox.length === 1) queueMicrotask(this.#flush);
  }

  readonly #flush = (): void => {
    const ws = this.#ws;
    const frames = this.#outbox;
    this.#outbox = [];
    if (this.#closed || !ws) return;
    ws.cork(() => {
      for (const frame of frames) {
        if (frame.text !== undefined) ws.sendText(frame.text);
        else if (frame.chunk) ws.sendBinary(new Uint8Array(frame.chunk));
        this.#credit += wsSize(frame);
      }
    });
    if (ws.getBufferedAmount() > WS_FLOW.window) this.#withheld = true;
    else if (!this.#withheld) this.#scheduleCredit();
  };

  /** Bun's `drain`: the client's connection has room again. */
  drained(): void {
    if (!this.#withheld || (this.#ws && this.#ws.getBufferedAmount() > WS_FLOW.window)) return;
    this.#withheld = false;
    this.#scheduleCredit();
  }

  /** `ws.publish` from the app: every subscriber of the version's topic but this socket. */
  publish(topic: string, frame: Frame): void {
    if (this.#closed || !this.#ws) return;
    this.#ws.publish(topicOf(this.#owner.key, topic), payloadOf(frame));
  }

  subscribe(topic: string, on: boolean): void {
    const ws = this.#ws;
    if (this.#closed || !ws) return;
    if (on) {
      // The guest refuses more first (it throws to the app); this only bounds a guest that lies.
      if (this.#topics.size >= MAX_TOPICS_PER_SOCKET && !this.#topics.has(topic)) return;
      this.#topics.add(topic);
      ws.subscribe(topicOf(this.#owner.key, topic));
    } else {
      this.#topics.delete(topic);
      ws.unsubscribe(topicOf(this.#owner.key, topic));
    }
  }

  /** The app closed the socket (`ws.close`, `ws.terminate`). Bun's `close` follows (`clientClosed`). */
  endByApp(code: number | undefined, reason: string | undefined, terminate: boolean): void {
    const ws = this.#ws;
    if (this.#closed) return;
    if (!ws) {
      this.#end(code ?? 1000, reason ?? "");
      return;
    }
    if (terminate) ws.terminate();
    else ws.close(code, reason);
  }

  /** Bun's `close`: the connection is closed, whoever closed it. */
  clientClosed(code: number, reason: string): void {
    this.#end(code, reason);
  }

  /**
   * The runtime closes the socket: `code` 1012 when its worker is recycled, removed or the
   * server stops; 1011 when it crashed. The app hears of it (`tellApp`) when its worker lives on
   * long enough to run its `close` (a drain), not when it is being terminated.
   */
  close(code: number, reason: string, tellApp: boolean): void {
    if (this.#closed) return;
    const ws = this.#ws;
    this.#end(code, reason, tellApp);
    ws?.close(code, reason);
  }

  #end(code: number, reason: string, tellApp = true): void {
    if (this.#closed) return;
    this.#closed = true;
    if (tellApp) this.#owner.send({ type: "ws-close", socket: this.id, code, reason });
    this.#owner.gone(this);
  }

  /** One credit message for the frames written this turn, once `WS_FLOW.step` bytes are due. */
  #scheduleCredit(): void {
    if (this.#creditScheduled || this.#credit < WS_FLOW.step) return;
    this.#creditScheduled = true;
    queueMicrotask(() => {
      this.#creditScheduled = false;
      if (this.#closed || this.#withheld || this.#credit === 0) return;
      const bytes = this.#credit;
      this.#credit = 0;
      this.#owner.send({ type: "ws-drain", socket: this.id, bytes });
    });
  }
}

/** A topic of `key`'s sockets, as Bun's pub/sub knows it: apart from every other version's. */
export function topicOf(key: VersionKey, topic: string): string {
  return `${key}:${topic}`;
}

/** A frame as Bun's `publish` takes it. */
export function payloadOf(frame: Frame): string | Uint8Array {
  return frame.text !== undefined ? frame.text : new Uint8Array(frame.chunk ?? new ArrayBuffer(0));
}
