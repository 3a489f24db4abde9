import type { VersionKey } from "../apps/version-key.ts";
import {
  type HostMessage,
  ProtocolError,
  type UpgradeMessage,
  unreachable,
  type WsAckMessage,
  type WsEndMessage,
  type WsPublishMessage,
  type WsSendMessage,
  type WsSubscribeMessage,
} from "../protocol/protocol.ts";
import { IdTable } from "../util/id-table.ts";
import type { Clock } from "./clock.ts";
import type { Exchange } from "./exchange.ts";
import { CLOSE_CODES, HostSocket, payloadOf, type SocketOwner, topicOf } from "./socket.ts";

/** The worker → host messages about an open socket (`upgrade` opens one). */
export type SocketMessage = WsSendMessage | WsPublishMessage | WsSubscribeMessage | WsEndMessage | WsAckMessage;

/** What a worker's sockets need of their worker. */
export interface WorkerSocketsDeps {
  key: VersionKey;
  clock: Clock;
  send(message: HostMessage): void;
  /** Whether the worker was ever sent request `id` (a socket's id is its request's). */
  sent(id: number): boolean;
  /** A socket closed and was forgotten. */
  onGone(): void;
  /** `server.publish` from the app: every subscriber of a (version-prefixed) topic. */
  publish?: ((topic: string, data: string | Uint8Array) => void) | undefined;
}

/**
 * One worker's open WebSockets (and upgrades on their way to the client), by the id of the
 * request the app upgraded: made on `upgrade`, found by the `ws-*` messages that name them,
 * closed together when the worker goes. A socket's id is one of this worker's own request ids,
 * so a message naming another worker's socket never finds it here. Open sockets keep their
 * worker from idling or stopping (`WorkerInstance#settle`).
 */
export class WorkerSockets {
  /** An IdTable, not a Map: one socket in and out per connection (util/id-table.ts says why). */
  readonly #sockets = new IdTable<HostSocket>();
  readonly #deps: WorkerSocketsDeps;
  readonly #owner: SocketOwner;

  constructor(deps: WorkerSocketsDeps) {
    this.#deps = deps;
    this.#owner = { key: deps.key, send: (message) => deps.send(message), gone: (socket) => this.#gone(socket) };
  }

  get size(): number {
    return this.#sockets.size;
  }

  /**
   * The app upgraded request `message.id` (its `exchange`, undefined when it already ended):
   * the exchange answers with the 101 standing for the new socket.
   */
  upgrade(message: UpgradeMessage, exchange: Exchange | undefined, timeoutMs: number): void {
    if (!exchange) {
      // The request ended first (its timeout, its client gone): the socket never opens.
      this.#deps.send({ type: "ws-close", socket: message.id, code: CLOSE_CODES.abnormal, reason: "request ended" });
      return;
    }
    // A request is answered once: an upgrade after its head would be a socket no client gets,
    // kept (with its timer) until `timeout`, one per post of a hostile app.
    if (exchange.answered) throw new ProtocolError(`an upgrade of request ${message.id}, already answered`);
    const socket = new HostSocket(message.id, this.#owner);
    this.#sockets.set(socket.id, socket);
    // A client gone before its connection opened never calls `open`: bounded by `timeout`.
    this.#deps.clock.setTimeout(() => {
      if (!socket.opened) socket.close(CLOSE_CODES.abnormal, "the client never opened", true);
    }, timeoutMs);
    exchange.onUpgrade(socket.response(message.headers));
  }

  /** A message from the app about one of its sockets (or, `ws-publish` with socket 0, `server.publish`). */
  onMessage(message: SocketMessage): void {
    switch (message.type) {
      case "ws-send":
        this.#socketFor(message.socket)?.send(message);
        return;
      case "ws-publish":
        if (message.socket === 0) this.#deps.publish?.(topicOf(this.#deps.key, message.topic), payloadOf(message));
        else this.#socketFor(message.socket)?.publish(message.topic, message);
        return;
      case "ws-subscribe":
        this.#socketFor(message.socket)?.subscribe(message.topic, message.on);
        return;
      case "ws-end":
        this.#socketFor(message.socket)?.endByApp(message.code, message.reason, message.terminate);
        return;
      case "ws-ack":
        this.#socketFor(message.socket)?.acked(message.bytes);
        return;
      default:
        unreachable(message);
    }
  }

  /** Closes every socket with `code` (see HostSocket.close for `tellApp`). */
  closeAll(code: number, reason: string, tellApp: boolean): void {
    for (const socket of this.#sockets.values()) socket.close(code, reason, tellApp);
  }

  /** The open socket a message is about: undefined once closed (a normal race); never opened is a fault. */
  #socketFor(id: number): HostSocket | undefined {
    if (!this.#deps.sent(id)) throw new ProtocolError(`a message about socket ${id}, never opened`);
    return this.#sockets.get(id);
  }

  #gone(socket: HostSocket): void {
    if (this.#sockets.get(socket.id) !== socket) return;
    this.#sockets.delete(socket.id);
    this.#deps.onGone();
  }
}
