/**
 * Worker → host messages, as zod schemas: the source of truth for their types (re-exported by
 * `protocol.ts`) and for what the host accepts from a worker. A worker runs app code, and app
 * code can call `postMessage` itself, so what arrives is untrusted input: anything that is not
 * one of these messages means the worker no longer speaks the protocol, and the host treats it
 * as crashed (`pool/instance.ts`).
 *
 * Only the host imports this file's values: the guest imports the types (erased), so workers
 * never load zod.
 */
import { z } from "zod";
import { MAX_TOPIC_CHARS } from "./limits.ts";
import { isLogMessage, logMessage } from "./log-message.ts";
import { ProtocolError } from "./protocol-error.ts";

/** A request id the host gave out: a positive safe integer. */
const id = z.number().int().min(1);
/** A byte count or sequence number read inside the worker. */
const count = z.number().int().min(0);

/** The app is loaded and can take requests; `onIdle`: whether it wants `idle` messages. */
export const readyMessage = z.object({ type: z.literal("ready"), onIdle: z.boolean() });

/** The app threw while loading; the worker will take nothing. */
export const startFailedMessage = z.object({ type: z.literal("start-failed"), message: z.string() });

/**
 * Response headers as a list of pairs: keeps repeats (several `set-cookie`). Names and values
 * are strings here; whether `Headers` accepts them is checked when the host builds the response.
 */
export const headerList = z.array(z.tuple([z.string(), z.string()]));

/**
 * The head of a response. `body` is the whole body when the worker had it at once (null for
 * none), or `"stream"` when the host must pull it with `response-pull`. A short string body
 * the app gave crosses as `text` instead (`body` null). `status`: what `new Response` accepts.
 */
export const responseHeadMessage = z.object({
  type: z.literal("response-head"),
  id,
  status: z.number().int().min(200).max(599),
  statusText: z.string(),
  headers: headerList,
  body: z.union([z.instanceof(ArrayBuffer), z.literal("stream"), z.null()]),
  text: z.string().optional(),
});

/** The next chunk of a streamed response (`chunk` null: the body is complete). */
export const responseChunkMessage = z.object({
  type: z.literal("response-chunk"),
  id,
  chunk: z.instanceof(ArrayBuffer).nullable(),
});

/** The app's `fetch` threw or rejected, or its body stream failed. */
export const appErrorMessage = z.object({
  type: z.literal("app-error"),
  id,
  message: z.string(),
  /** True when the head was already sent: the host can only cut the stream. */
  midStream: z.boolean(),
});

/** The worker wants the next chunk of request body `id`. */
export const requestPullMessage = z.object({ type: z.literal("request-pull"), id });

/** Memory use: the answer to `ping` (its `seq`), or unsolicited (`seq` 0) when over `maxMemoryBytes`. */
export const pongMessage = z.object({
  type: z.literal("pong"),
  seq: count,
  /** Bytes of JS heap in use, read inside the worker. */
  heapUsed: count,
  rss: count,
});

/** `onTerminate` has run; the host may terminate now. */
export const stoppedMessage = z.object({ type: z.literal("stopped") });

const topic = z.string().max(MAX_TOPIC_CHARS);

/** A WebSocket frame's payload: `text`, or `chunk` (binary), exactly one of them. */
const payload = { text: z.string().optional(), chunk: z.instanceof(ArrayBuffer).optional() };
const onePayload = (m: { text?: string | undefined; chunk?: ArrayBuffer | undefined }) =>
  (m.text === undefined) !== (m.chunk === undefined);

/**
 * The app called `server.upgrade(request)` while answering request `id`: instead of a response
 * head, the host upgrades the client's connection. The socket's id is the request's from then on.
 * `headers`: those the app gave `upgrade`, for the 101 answer.
 */
export const upgradeMessage = z.object({ type: z.literal("upgrade"), id, headers: headerList });

/** The app sent a frame on socket `socket` (`ws.send`). */
export const wsSendMessage = z
  .object({ type: z.literal("ws-send"), socket: id, ...payload })
  .refine(onePayload, "exactly one of text and chunk");

/** `ws.publish` (from socket `socket`, which it skips) or `server.publish` (socket 0), within the version. */
export const wsPublishMessage = z
  .object({ type: z.literal("ws-publish"), socket: count, topic, ...payload })
  .refine(onePayload, "exactly one of text and chunk");

/** `ws.subscribe` (`on` true) or `ws.unsubscribe` (false). */
export const wsSubscribeMessage = z.object({ type: z.literal("ws-subscribe"), socket: id, topic, on: z.boolean() });

/** The app closed socket `socket` (`ws.close(code, reason)`, or `ws.terminate()`). */
export const wsEndMessage = z.object({
  type: z.literal("ws-end"),
  socket: id,
  code: z.number().int().min(1000).max(4999).optional(),
  reason: z.string().max(123).optional(),
  terminate: z.boolean(),
});

/** The app has taken `bytes` more of the client's frames on `socket` (flow control, see pool/socket.ts). */
export const wsAckMessage = z.object({ type: z.literal("ws-ack"), socket: id, bytes: count });

/** Worker → host: one of the above, told apart by `type`. */
export const guestMessage = z.discriminatedUnion("type", [
  readyMessage,
  startFailedMessage,
  responseHeadMessage,
  responseChunkMessage,
  appErrorMessage,
  requestPullMessage,
  pongMessage,
  logMessage,
  stoppedMessage,
  upgradeMessage,
  wsSendMessage,
  wsPublishMessage,
  wsSubscribeMessage,
  wsEndMessage,
  wsAckMessage,
]);

export type ReadyMessage = z.output<typeof readyMessage>;
export type StartFailedMessage = z.output<typeof startFailedMessage>;
export type HeaderList = z.output<typeof headerList>;
export type ResponseHeadMessage = z.output<typeof responseHeadMessage>;
export type ResponseChunkMessage = z.output<typeof responseChunkMessage>;
export type AppErrorMessage = z.output<typeof appErrorMessage>;
export type RequestPullMessage = z.output<typeof requestPullMessage>;
export type PongMessage = z.output<typeof pongMessage>;
export type StoppedMessage = z.output<typeof stoppedMessage>;
export type UpgradeMessage = z.output<typeof upgradeMessage>;
export type WsSendMessage = z.output<typeof wsSendMessage>;
export type WsPublishMessage = z.output<typeof wsPublishMessage>;
export type WsSubscribeMessage = z.output<typeof wsSubscribeMessage>;
export type WsEndMessage = z.output<typeof wsEndMessage>;
export type WsAckMessage = z.output<typeof wsAckMessage>;
export type GuestMessage = z.output<typeof guestMessage>;

/**
 * Whether `value` is a message `guestMessage` accepts: the same rules, hand-written, because
 * this runs on every message of every request. Measured (`bench/guest-messages.ts`, medians on
 * the loaded 2-core dev machine): a response head with four headers takes ~70 ns here against
 * ~1.2 µs through zod (its checks, unions and tuples), next to ~0.9 µs for its `JSON.parse`.
 * `guest-messages.test.ts` holds the two to the same answers (every field of every message at
 * each edge value, and a fast-check property).
 */
export function isGuestMessage(value: unknown): value is GuestMessage {
  if (typeof value !== "object" || value === null || Array.isArray(value)) return false;
  const m = value as Record<string, unknown>;
  switch (m.type) {
    case "response-head":
      return (
        isId(m.id) &&
        isStatus(m.status) &&
        typeof m.statusText === "string" &&
        isHeaderList(m.headers) &&
        (m.body === null || m.body === "stream" || m.body instanceof ArrayBuffer) &&
        (m.text === undefined || typeof m.text === "string")
      );
    case "response-chunk":
      return isId(m.id) && (m.chunk === null || m.chunk instanceof ArrayBuffer);
    case "app-error":
      return isId(m.id) && typeof m.message === "string" && typeof m.midStream === "boolean";
    case "request-pull":
      return isId(m.id);
    case "pong":
      return isCount(m.seq) && isCount(m.heapUsed) && isCount(m.rss);
    case "ready":
      return typeof m.onIdle === "boolean";
    case "start-failed":
      return typeof m.message === "string";
    case "stopped":
      return true;
    case "log":
      return isLogMessage(m);
    case "upgrade":
      return isId(m.id) && isHeaderList(m.headers);
    case "ws-send":
      return isId(m.socket) && isPayload(m);
    case "ws-publish":
      return isCount(m.socket) && isTopic(m.topic) && isPayload(m);
    case "ws-subscribe":
      return isId(m.socket) && isTopic(m.topic) && typeof m.on === "boolean";
    case "ws-end":
      return (
        isId(m.socket) &&
        (m.code === undefined ||
          (Number.isSafeInteger(m.code) && (m.code as number) >= 1000 && (m.code as number) <= 4999)) &&
        (m.reason === undefined || (typeof m.reason === "string" && m.reason.length <= 123)) &&
        typeof m.terminate === "boolean"
      );
    case "ws-ack":
      return isId(m.socket) && isCount(m.bytes);
    default:
      return false;
  }
}

/**
 * `value` as a guest message.
 * @throws ProtocolError naming what is wrong (zod's issues, bounded) when it is not one.
 */
export function parseGuestMessage(value: unknown): GuestMessage {
  if (isGuestMessage(value)) return value;
  const parsed = guestMessage.safeParse(value);
  // Unreachable while the guard and the schema agree (a property test holds them to it).
  if (parsed.success) return parsed.data;
  const issue = parsed.error.issues[0];
  const where = issue && issue.path.length > 0 ? ` at ${issue.path.map(String).join(".")}` : "";
  const type = typeof value === "object" && value !== null ? (value as { type?: unknown }).type : undefined;
  const what = typeof type === "string" ? `a ${JSON.stringify(type.slice(0, 40))} message` : "a message";
  throw new ProtocolError(`${what} the protocol refuses${where}: ${issue?.message ?? "invalid"}`);
}

const isId = (value: unknown): boolean => Number.isSafeInteger(value) && (value as number) >= 1;
const isCount = (value: unknown): boolean => Number.isSafeInteger(value) && (value as number) >= 0;
const isStatus = (value: unknown): boolean =>
  Number.isSafeInteger(value) && (value as number) >= 200 && (value as number) <= 599;

const isTopic = (value: unknown): boolean => typeof value === "string" && value.length <= MAX_TOPIC_CHARS;

/** Exactly one of `text` (a string) and `chunk` (an ArrayBuffer). */
function isPayload(m: Record<string, unknown>): boolean {
  if (m.text === undefined) return m.chunk instanceof ArrayBuffer;
  return typeof m.text === "string" && m.chunk === undefined;
}

function isHeaderList(value: unknown): boolean {
  if (!Array.isArray(value)) return false;
  for (const pair of value) {
    if (!Array.isArray(pair) || pair.length !== 2 || typeof pair[0] !== "string" || typeof pair[1] !== "string") {
      return false;
    }
  }
  return true;
}
