/**
 * The `websocket` option of the runtime's `Bun.serve`: every client WebSocket is one an app
 * upgraded in its worker (`pool/socket.ts` relays it; its `HostSocket` is the socket's `data`).
 */
import type { ServerWebSocket, WebSocketHandler } from "bun";
import type { HostSocket } from "../pool/socket.ts";
import { WS_FLOW } from "../protocol/protocol.ts";

/**
 * The largest client message whatever MAX_BODY_SIZE says: it must cross to the worker as one
 * message of a post, and a text escaped as JSON may grow six times (`\u0000`); 10 MiB stays under
 * the 64 Mi characters a post may have (`protocol.ts`, MAX_POST_CHARS).
 */
export const MAX_WS_MESSAGE_BYTES = 10 * 1024 * 1024;

/**
 * Handlers that hand each event to the socket's `HostSocket`. `maxMessageBytes` (MAX_BODY_SIZE,
 * at most MAX_WS_MESSAGE_BYTES) bounds a client's message (Bun closes a connection that sends
 * more, with 1009). Bun's own
 * buffer per connection may hold what the app is allowed in transit (`WS_FLOW`) and the
 * window on top: the app's `send` drops before Bun's would.
 */
export function websocketHandlers(maxMessageBytes: number): WebSocketHandler<HostSocket> {
  return {
    maxPayloadLength: Math.min(maxMessageBytes, MAX_WS_MESSAGE_BYTES),
    backpressureLimit: WS_FLOW.hardLimit + 2 * WS_FLOW.window,
    closeOnBackpressureLimit: false,
    open: (ws: ServerWebSocket<HostSocket>) => ws.data.open(ws),
    message: (ws: ServerWebSocket<HostSocket>, message: string | Buffer) => ws.data.fromClient(message),
    close: (ws: ServerWebSocket<HostSocket>, code: number, reason: string) => ws.data.clientClosed(code, reason),
    drain: (ws: ServerWebSocket<HostSocket>) => ws.data.drained(),
  };
}
