/**
 * The one host ↔ worker protocol. Every message is a discriminated union member on `type`;
 * senders use `satisfies`, receivers switch exhaustively. See `pool/README.md` for the flows.
Shared by both sides: the host (`pool/`) and the guest (`guest/`) import it, and it imports neither.
 *
 * Bodies move as transferred `ArrayBuffer`s (stream chunks copied first, see `copyBytes`),
 * pulled by the reader (one chunk per pull), so neither side buffers more than a chunk or two
 * of a stream it cannot pass on yet.
 *
 * Worker → host messages are zod schemas in `guest-messages.ts` (the host checks every one: a
 * worker runs app code, which can post anything); their types are re-exported here. Only types
 * cross that import, so workers never load zod.
 */
import type { GuestMessage } from "./guest-messages.ts";
import { ProtocolError } from "./protocol-error.ts";

export type {
  AppErrorMessage,
  GuestMessage,
  HeaderList,
  PongMessage,
  ReadyMessage,
  RequestPullMessage,
  ResponseChunkMessage,
  ResponseHeadMessage,
  StartFailedMessage,
  StoppedMessage,
  UpgradeMessage,
  WsAckMessage,
  WsEndMessage,
  WsPublishMessage,
  WsSendMessage,
  WsSubscribeMessage,
} from "./guest-messages.ts";
export { MAX_TOPIC_CHARS, MAX_TOPICS_PER_SOCKET, WS_FLOW } from "./limits.ts";
export type { LogLine, LogMessage } from "./log-message.ts";
export { ProtocolError } from "./protocol-error.ts";

/** Request headers by lower-case name (`Headers.toJSON()`: repeats combined, `set-cookie` a list). */
export type HeaderRecord = Record<string, string | string[]>;

/** What the worker needs to start. Sent once, right after the worker is created. */
export interface InitMessage {
  type: "init";
  name: string;
  version: string;
  dir: string;
  entrypoint: string;
  kind: "module" | "static";
  /** Heap limit (`maxMemory`); over it, the worker reports its use after a request. 0: none. */
  maxMemoryBytes: number;
}

/**
 * A request. `body` is the whole body when it was small and already read, `"stream"` when the
 * worker must pull it chunk by chunk, or `null` for none.
 */
export interface RequestMessage {
  type: "request";
  id: number;
  method: string;
  url: string;
  headers: HeaderRecord;
  body: ArrayBuffer | "stream" | null;
}

/**
 * The next chunk of a streamed request body (`chunk` null: the body is complete, or failed
 * with `error`, such as going over `MAX_BODY_SIZE`).
 */
export interface RequestChunkMessage {
  type: "request-chunk";
  id: number;
  chunk: ArrayBuffer | null;
  error?: string;
}

/** The client went away or the host gave up; the worker should stop work on `id`. */
export interface AbortMessage {
  type: "abort";
  id: number;
  reason: string;
}

/** The host wants the next chunk of response `id`. */
export interface ResponsePullMessage {
  type: "response-pull";
  id: number;
}

/** A liveness check; the worker answers with `pong` carrying its heap use. */
export interface PingMessage {
  type: "ping";
  seq: number;
}

/** Ask the app to run `onTerminate` before the host terminates the worker. */
export interface StopMessage {
  type: "stop";
}

/** No request is in flight any more: the app's `onIdle` runs. */
export interface IdleMessage {
  type: "idle";
}

/** The client's WebSocket connection is open (the app's `websocket.open` runs). */
export interface WsOpenMessage {
  type: "ws-open";
  socket: number;
  remoteAddress: string;
}

/** A frame from the client: `text`, or `chunk` (binary). */
export interface WsMessageMessage {
  type: "ws-message";
  socket: number;
  text?: string;
  chunk?: ArrayBuffer;
}

/** The socket closed (the app's `websocket.close` runs); nothing more goes either way. */
export interface WsCloseMessage {
  type: "ws-close";
  socket: number;
  code: number;
  reason: string;
}

/**
 * The host passed on `bytes` more of the app's frames (as `wsSize` counts them) and the
 * client's connection is not backed up: the app may send that much more (flow control, see
 * `pool/socket.ts`).
 */
export interface WsDrainMessage {
  type: "ws-drain";
  socket: number;
  bytes: number;
}

/**
 * Run the app's `scheduled({ cron, scheduledTime })` as exchange `id`: the worker answers a
 * `response-head` (204, no body) when it ended, `app-error` when it threw or there is none.
 */
export interface ScheduledMessage {
  type: "scheduled";
  id: number;
  cron: string;
  scheduledTime: number;
}

/** Host → worker. */
export type HostMessage =
  | ScheduledMessage
  | WsOpenMessage
  | WsMessageMessage
  | WsCloseMessage
  | WsDrainMessage
  | IdleMessage
  | InitMessage
  | RequestMessage
  | RequestChunkMessage
  | AbortMessage
  | ResponsePullMessage
  | PingMessage
  | StopMessage;

/**
 * What crosses `postMessage`: the messages of one event-loop turn as JSON lines, plus, when
 * some carry bytes (`body` or `chunk`), their buffers, transferred, not copied. A line whose
 * message carries bytes starts with `B` (body) or `C` (chunk) and takes the next buffer.
 * Bun clones a string about twice as fast as the equivalent object (measured: ~4 µs vs ~8 µs
 * per round trip under load), and one crossing per turn instead of one per message saves
 * ~3 µs per proxied request.
 */
export type Wire = string | [lines: string, buffers: ArrayBuffer[]];

/** The fields that carry bytes, by the mark that starts their line on the wire. */
const BYTE_FIELDS = { B: "body", C: "chunk" } as const;

/**
 * One message as a line of the wire, and the buffer it carries, if any. Two plain checks rather
 * than a loop over BYTE_FIELDS: this runs for every message of every new worker, whose first
 * requests pay for compiling it. A new byte field goes in both.
 */
function encodeLine(message: HostMessage | GuestMessage): { line: string; buffer: ArrayBuffer | undefined } {
  const record = message as unknown as Record<string, unknown>;
  const { body, chunk } = record;
  if (body instanceof ArrayBuffer) return { line: `B${JSON.stringify({ ...record, body: null })}`, buffer: body };
  if (chunk instanceof ArrayBuffer) return { line: `C${JSON.stringify({ ...record, chunk: null })}`, buffer: chunk };
  return { line: JSON.stringify(message), buffer: undefined };
}

/**
 * A sender that batches: messages sent in the same turn of the event loop (flushed by
 * `setImmediate`, after every microtask of the turn) go out as one `postMessage` (lines joined
 * by newlines, which JSON never contains raw), so a burst of requests costs one crossing
 * instead of one each. Order is kept. A batch is sent early once it holds BATCH_LIMIT characters
 * and bytes, so that no post of many messages nears what a receiver accepts of one
 * (MAX_POST_CHARS, the process channel's frame): each message is held to that bound, not a turn's sum.
 */
export function createSender(
  post: (data: Wire, transfer?: ArrayBuffer[]) => void,
): (message: HostMessage | GuestMessage) => void {
  let lines: string[] = [];
  let buffers: ArrayBuffer[] = [];
  let size = 0;
  let scheduled = false;
  const flush = () => {
    scheduled = false;
    if (lines.length === 0) return; // sent early, at the batch limit
    const text = lines.length === 1 ? (lines[0] as string) : lines.join("\n");
    const sent = buffers;
    lines = [];
    buffers = [];
    size = 0;
    if (sent.length === 0) {
      post(text);
      return;
    }
    try {
      post([text, sent], sent);
    } catch {
      // Unreachable by construction (every buffer here is fresh, see copyBytes); should one be
      // listed twice, the batch goes as copies rather than failing inside setImmediate.
      post([text, sent]);
    }
  };
  return (message) => {
    const { line, buffer } = encodeLine(message);
    const adds = line.length + (buffer?.byteLength ?? 0);
    if (lines.length > 0 && size + adds > BATCH_LIMIT) flush();
    lines.push(line);
    size += adds;
    if (buffer) buffers.push(buffer);
    if (!scheduled) {
      scheduled = true;
      setImmediate(flush);
    }
  };
}

/**
 * Calls `handle` for every message in what a `createSender` posted, in order.
 * @throws ProtocolError when `data` is not a wire (checked as it goes: messages before the fault
 * are handled). Messages are only JSON-parsed here; the receiver checks them (`guest-messages.ts`).
 */
export function receive<T = unknown>(data: unknown, handle: (message: T) => void): void {
  if (typeof data === "string") {
    checkLength(data);
    if (!data.includes("\n")) handle(parseLine(data) as T);
    else eachLine(data, (line) => handle(parseLine(line) as T));
    return;
  }
  if (!isWireWithBuffers(data)) throw new ProtocolError(`a post that is not a wire: ${sketch(data)}`);
  const [text, buffers] = data;
  checkLength(text);
  // Counted before any is handled: a post whose buffers do not match its lines is refused whole.
  // Each line's first character only (no line is copied); an empty line is refused at once.
  let byteLines = 0;
  for (let start = 0; start <= text.length; start = text.indexOf("\n", start) + 1 || text.length + 1) {
    const mark = text[start];
    if (mark === "\n" || mark === undefined) throw new ProtocolError('a line that is not JSON: ""');
    if (BYTE_FIELDS[mark as keyof typeof BYTE_FIELDS] !== undefined) byteLines++;
  }
  if (byteLines !== buffers.length) {
    throw new ProtocolError(`${buffers.length} buffers for ${byteLines} byte lines`);
  }
  let next = 0;
  eachLine(text, (line) => {
    const mark = line[0] as keyof typeof BYTE_FIELDS;
    const field = BYTE_FIELDS[mark];
    if (field === undefined) {
      handle(parseLine(line) as T);
      return;
    }
    const message = parseLine(line.slice(1));
    if (typeof message !== "object" || message === null || Array.isArray(message)) {
      throw new ProtocolError(`a ${mark} line that is not an object: ${sketch(message)}`);
    }
    (message as Record<string, unknown>)[field] = buffers[next++];
    handle(message as T);
  });
}

/**
 * The most characters one post's text may have: the process channel's frame bound
 * (`frames.ts`), for threads too. Far above a turn's batch of messages (a log message is at most
 * 1,024 lines of 8 KiB); app code posting more is refused before any of it is read.
 */
export const MAX_POST_CHARS = 64 * 1024 * 1024;

/** Characters and bytes a sender puts in one post of several messages (a third of the bound: UTF-8). */
const BATCH_LIMIT = 16 * 1024 * 1024;

function checkLength(text: string): void {
  if (text.length > MAX_POST_CHARS)
    throw new ProtocolError(`a post of ${text.length} characters, over ${MAX_POST_CHARS}`);
}

/**
 * Calls `fn` with each newline-separated line of `text`, in order, without making the array of
 * them first: a post of millions of empty lines is refused at its first (not JSON), not after
 * splitting it all.
 */
function eachLine(text: string, fn: (line: string) => void): void {
  let start = 0;
  for (;;) {
    const end = text.indexOf("\n", start);
    if (end === -1) {
      fn(text.slice(start));
      return;
    }
    fn(text.slice(start, end));
    start = end + 1;
  }
}

/** `[lines, buffers]`: the other shape `createSender` posts. */
function isWireWithBuffers(data: unknown): data is [string, ArrayBuffer[]] {
  if (!Array.isArray(data) || data.length !== 2 || typeof data[0] !== "string" || !Array.isArray(data[1])) {
    return false;
  }
  for (const buffer of data[1]) if (!(buffer instanceof ArrayBuffer)) return false;
  return true;
}

function parseLine(line: string): unknown {
  try {
    return JSON.parse(line);
  } catch {
    throw new ProtocolError(`a line that is not JSON: ${sketch(line)}`);
  }
}

/** Characters of a worker's own text that a `ProtocolError` quotes (it reaches logs and answers). */
const SKETCH_CHARS = 80;

/**
 * A short description of any value a worker may post (a string quoted and cut, else its kind),
 * for `ProtocolError` messages: never throws, whatever structured clone produced.
 */
export function sketch(value: unknown): string {
  if (typeof value === "string") {
    const cut = value.length > SKETCH_CHARS ? `${value.slice(0, SKETCH_CHARS)}…` : value;
    return JSON.stringify(cut);
  }
  if (value === null || typeof value !== "object") return String(value);
  if (Array.isArray(value)) return `an array of ${value.length}`;
  return Object.prototype.toString.call(value);
}

/**
 * A fresh `ArrayBuffer` holding a copy of `bytes`, safe to transfer. Chunks of a stream belong
 * to whoever wrote them (an app may enqueue one constant on every request, a caller may reuse
 * its buffer): transferring their buffer would empty it under them. Only buffers the runtime
 * made itself (`arrayBuffer()` results) cross without a copy.
 */
export function copyBytes(bytes: Uint8Array): ArrayBuffer {
  return bytes.slice().buffer as ArrayBuffer;
}

/**
 * What a WebSocket frame costs in flow control beyond its payload: each is a message to cross
 * and hold, so empty frames must fill the window too (a client sending millions of them was never
 * paused while the worker fell behind, and the host's memory grew by a GB).
 */
export const WS_FRAME_COST = 64;

/** A WebSocket frame's payload: a string's length in UTF-16 units, a buffer's byte length. */
export function wsPayload(frame: { text?: string | undefined; chunk?: ArrayBuffer | undefined }): number {
  return frame.text !== undefined ? frame.text.length : (frame.chunk?.byteLength ?? 0);
}

/**
 * The size a WebSocket frame counts for in flow control, the same on both sides: its payload
 * (UTF-16 units, not UTF-8 bytes: measuring those would cost a pass over every text frame; the
 * bounds it serves are generous) plus WS_FRAME_COST.
 */
export function wsSize(frame: { text?: string | undefined; chunk?: ArrayBuffer | undefined }): number {
  return wsPayload(frame) + WS_FRAME_COST;
}

/** Compile-time exhaustiveness for protocol switches. */
export function unreachable(value: never): never {
  throw new Error(`unhandled message: ${JSON.stringify(value)}`);
}
