/**
 * Guest side: the code every app worker runs, as a thread or as a child process (`channel.ts`). It loads the app, then turns host messages into
 * `fetch` calls and responses back into messages. The message handler never throws (an uncaught
 * throw there kills a Bun worker): every path ends in a message to the host.
 */
import type { AppModule, AppServer } from "@buntime/sdk";
import { MAX_CHUNK_BYTES } from "../protocol/frames.ts";
import {
  copyBytes,
  createSender,
  type GuestMessage,
  type HeaderRecord,
  type HostMessage,
  type InitMessage,
  type RequestMessage,
  receive,
  type ScheduledMessage,
  unreachable,
} from "../protocol/protocol.ts";
import { IdTable } from "../util/id-table.ts";
import { inlineText, isWholeBody, patchResponse, WHOLE_BODY_LIMIT } from "./app-response.ts";
import { hostChannel, isChildProcess } from "./channel.ts";
import { captureLogs, inRequest } from "./log-capture.ts";
import { RequestAborts } from "./request-signal.ts";
import { compileRoutes } from "./routes.ts";
import { patchSpawnEnv } from "./spawn-env.ts";
import { GuestSockets, type WebSocketHandlers } from "./websocket.ts";

/** An app's `fetch`; `server` is the guest's stand-in for Bun's (`websocket.ts`). */
type Handler = (request: Request, server: AppServer) => Response | undefined | Promise<Response | undefined>;

let app: AppModule | undefined;
let maxMemoryBytes = 0;
let handle: Handler | undefined;
/** Streamed request bodies waiting for their next chunk, by request id. */
const bodyWaiters = new IdTable<(chunk: ArrayBuffer | null, error?: string) => void>();
/** Streamed responses the host pulls from, by request id. */
const responses = new IdTable<ResponseStream>();
/** `request.signal` of the requests being served, made on first read (see request-signal.ts). */
const aborts = new RequestAborts();

const channel = hostChannel();
/** Posts a message to the host (batched per tick); byte fields are transferred, not copied. */
const post: (message: GuestMessage) => void = createSender((data, transfer) => channel.post(data, transfer));
const sockets = new GuestSockets(post, () => app?.websocket as WebSocketHandlers | undefined);

patchSpawnEnv();
/**
 * Posts the app's waiting log lines now (before an answer: see log-capture.ts). Capturing makes
 * the global `process` a stand-in whose stdout/stderr are captured (captured-process.ts).
 */
const flushLogs = captureLogs(post);
patchResponse();
process.on("unhandledRejection", (reason) => {
  console.error("[buntime] unhandled rejection in app code:", reason);
});

channel.listen((data) => {
  try {
    receive<HostMessage>(data, dispatch);
  } catch (error) {
    console.error("[buntime] guest failed to handle a message:", error);
  }
});

function dispatch(message: HostMessage): void {
  switch (message.type) {
    case "init":
      void start(message);
      return;
    case "request":
      void serveTagged(message);
      return;
    case "request-chunk": {
      const waiter = bodyWaiters.get(message.id);
      bodyWaiters.delete(message.id);
      waiter?.(message.chunk, message.error);
      return;
    }
    case "response-pull":
      void responses.get(message.id)?.pull();
      return;
    case "abort":
      bodyWaiters.get(message.id)?.(null, message.reason);
      bodyWaiters.delete(message.id);
      aborts.abort(message.id, message.reason);
      void responses.get(message.id)?.cancel(message.reason);
      return;
    case "ping":
      reportMemory(message.seq);
      return;
    case "idle":
      void Promise.resolve()
        .then(() => app?.onIdle?.())
        .catch((error) => console.error("[buntime] onIdle threw:", error));
      return;
    case "stop":
      void stop();
      return;
    case "scheduled":
      void runScheduled(message);
      return;
    case "ws-open":
      sockets.opened(message.socket, message.remoteAddress);
      return;
    case "ws-message":
      sockets.message(message);
      return;
    case "ws-close":
      sockets.closed(message);
      return;
    case "ws-drain":
      sockets.drained(message.socket, message.bytes);
      return;
    default:
      unreachable(message);
  }
}

async function start(init: InitMessage): Promise<void> {
  maxMemoryBytes = init.maxMemoryBytes;
  try {
    if (init.kind === "static") {
      // Loaded only for a static app: it brings node:fs and node:path (about 2 ms of CPU).
      const { createStaticHandler } = await import("./static.ts");
      handle = createStaticHandler(init.entrypoint);
    } else {
      const module = await import(init.entrypoint);
      const candidate = (module.default ?? module) as AppModule;
      if (typeof candidate?.fetch !== "function") {
        throw new Error(`${init.entrypoint} has no default export with a fetch(request) function`);
      }
      app = candidate;
      const routed = candidate.routes ? compileRoutes(candidate.routes) : undefined;
      const fetch = candidate.fetch.bind(candidate);
      handle = routed ? (request, server) => routed(request) ?? fetch(request, server) : fetch;
    }
    post({ type: "ready", onIdle: typeof app?.onIdle === "function" });
  } catch (error) {
    post({ type: "start-failed", message: describe(error) });
  }
}

/** Serves `message` with its request id and traceparent on the lines the app writes meanwhile. */
function serveTagged(message: RequestMessage): void | Promise<void> {
  const { headers } = message;
  const requestId = headers["x-request-id"];
  const traceparent = headers.traceparent;
  return inRequest(
    {
      requestId: typeof requestId === "string" ? requestId : undefined,
      traceparent: typeof traceparent === "string" ? traceparent : undefined,
    },
    () => serve(message),
  );
}

/**
 * Serves one request. Plain functions and `then`, not an async function: an app that answers
 * at once with a short text (the common case) is served in one synchronous pass. That matters
 * most to a worker's first thousand requests, the default `maxRequests`: every new worker
 * compiles this path again, and an async function's state machine took about 1.4 ms of
 * optimizing compiler time per compile, twice per worker (measured with JSC's
 * `reportDFGCompileTimes`).
 */
function serve(message: RequestMessage): void | Promise<void> {
  const { id } = message;
  let answer: unknown;
  try {
    if (!handle) throw new Error("request before the app was ready");
    const hasBody = message.body !== null && message.method !== "GET" && message.method !== "HEAD";
    const request = aborts.request(id, message.url, {
      method: message.method,
      headers: requestHeaders(message.headers),
      body: hasBody ? (message.body === "stream" ? pullRequestBody(id) : message.body) : null,
      // @ts-expect-error: Bun accepts the streaming-body flag of the fetch spec
      duplex: "half",
    });
    sockets.track(request, id);
    answer = handle(request, sockets.server);
    // Any thenable is waited for, as `await` would.
    if (typeof (answer as PromiseLike<unknown> | undefined)?.then === "function") {
      return Promise.resolve(answer).then(
        (response) => respond(id, response),
        (error) => failed(id, error),
      );
    }
  } catch (error) {
    return failed(id, error);
  }
  return respond(id, answer);
}

/**
 * Sends the app's answer to request `id`: its head with the body, or the head of a stream;
 * then (as a `finally` would) ends the request once, whatever happened.
 */
function respond(id: number, response: unknown): void | Promise<void> {
  let reading: Promise<void> | undefined;
  try {
    // Upgraded: whatever fetch returned is ignored, as Bun.serve ignores it.
    if (!sockets.settle(id)) {
      if (!(response instanceof Response)) {
        throw new Error(`fetch returned ${typeof response}, not a Response`);
      }
      // `new Response(null, { status: 101 })` is a Response, and no answer: the host refuses it as
      // a protocol violation (the worker crashed for it). It is the app's error, like a throw.
      if (response.status < 200) {
        throw new Error(`fetch returned a Response with status ${response.status} (an upgrade is server.upgrade())`);
      }
      // Headers first: Bun drops the type a body implies (a Blob's, a form's) once it is read.
      const headers = [...response.headers] as [string, string][];
      const text = inlineText(response);
      if (text !== undefined) sendHead(id, response, headers, null, text);
      else reading = readBody(id, response).then((body) => sendHead(id, response, headers, body, undefined));
    }
  } catch (error) {
    sendError(id, error);
  }
  if (reading === undefined) return ended(id);
  return reading.then(
    () => ended(id),
    (error) => failed(id, error),
  );
}

/** Posts the head of request `id`'s response, after the lines the app wrote before it. */
function sendHead(
  id: number,
  response: Response,
  headers: [string, string][],
  body: ArrayBuffer | "stream" | null,
  text: string | undefined,
): void {
  const { status, statusText } = response;
  flushLogs();
  post({ type: "response-head", id, status, statusText, headers, body, ...(text !== undefined && { text }) });
}

/** Request `id` failed before its head was sent (errors after it come from the stream's own pulls). */
function sendError(id: number, error: unknown): void {
  sockets.forget(id);
  flushLogs();
  post({ type: "app-error", id, message: describe(error), midStream: false });
}

/** Request `id` failed before its head was sent: the error, then its end. */
function failed(id: number, error: unknown): void {
  sendError(id, error);
  ended(id);
}

/** Request `id` is answered; a streamed response keeps its abort until the stream ends. */
function ended(id: number): void {
  if (responses.has(id)) return;
  aborts.delete(id);
  afterRequest();
}

/** A run of the app's `scheduled` handler: 204 when it ended, an app error when it threw. */
async function runScheduled(message: ScheduledMessage): Promise<void> {
  const { id, cron, scheduledTime } = message;
  try {
    if (typeof app?.scheduled !== "function")
      throw new Error("the app has no scheduled({ cron, scheduledTime }) handler");
    await app.scheduled({ cron, scheduledTime });
    post({ type: "response-head", id, status: 204, statusText: "", headers: [], body: null });
  } catch (error) {
    post({ type: "app-error", id, message: describe(error), midStream: false });
  } finally {
    afterRequest();
  }
}

/**
 * The request's headers for `new Request`: the record as it is, unless a header came as a list
 * (`Headers.toJSON()` keeps only `set-cookie` apart), whose values are then appended one by one.
 */
function requestHeaders(record: HeaderRecord): HeadersInit {
  return Array.isArray(record["set-cookie"]) ? listedHeaders(record) : (record as Record<string, string>);
}

/** The rare case, in a function of its own: compiling its loops made every worker's first requests pay. */
function listedHeaders(record: HeaderRecord): Headers {
  const headers = new Headers();
  for (const [name, value] of Object.entries(record)) {
    for (const one of Array.isArray(value) ? value : [value]) headers.append(name, one);
  }
  return headers;
}

/**
 * What the response head carries as the body: all of it when it is there without waiting for
 * the app (null for none), else `"stream"`, the stream then kept for the host's pulls.
 */
async function readBody(id: number, response: Response): Promise<ArrayBuffer | "stream" | null> {
  if (isWholeBody(response)) return response.arrayBuffer();
  if (response.body === null) return null;
  const stream = new ResponseStream(id, response.body.getReader());
  const whole = await stream.readAtOnce();
  if (whole !== undefined) return whole;
  responses.set(id, stream);
  return "stream";
}

/** A request body the app reads chunk by chunk, each pulled from the host on demand. */
function pullRequestBody(id: number): ReadableStream<Uint8Array> {
  return new ReadableStream<Uint8Array>({
    pull(controller) {
      return new Promise<void>((resolve) => {
        bodyWaiters.set(id, (chunk, error) => {
          if (error !== undefined) controller.error(new Error(error));
          else if (chunk === null) controller.close();
          else controller.enqueue(new Uint8Array(chunk));
          resolve();
        });
        post({ type: "request-pull", id });
      });
    },
    cancel() {
      bodyWaiters.delete(id);
    },
  });
}

/** Microtask turns a read may take and still count as "already there" (Bun needs 1–2). */
const READY_TURNS = 4;

/** A response body the host pulls one chunk at a time. */
class ResponseStream {
  #pending: ReturnType<ReadableStreamDefaultReader<Uint8Array>["read"]> | undefined;
  #buffered: Uint8Array[] = [];

  constructor(
    readonly id: number,
    readonly reader: ReadableStreamDefaultReader<Uint8Array>,
  ) {}

  /**
   * Reads what the body already has without waiting for the app. Returns the whole body when
   * it ended within that (the common case: one message for the response), else `undefined`,
   * keeping what was read for the first pulls.
   */
  async readAtOnce(): Promise<ArrayBuffer | undefined> {
    let size = 0;
    while (size <= WHOLE_BODY_LIMIT) {
      const read = this.reader.read();
      let result: Awaited<typeof read> | undefined;
      void read.then(
        (value) => {
          result = value;
        },
        () => {},
      );
      // A few microtask turns, not a macrotask: a body that is already there (a string, bytes,
      // a file) resolves within them; a stream the app still writes to does not.
      for (let turn = 0; turn < READY_TURNS && result === undefined; turn++) await null;
      if (result === undefined) {
        this.#pending = read;
        return undefined;
      }
      if (result.done) return concat(this.#buffered, size);
      this.#buffered.push(result.value);
      size += result.value.byteLength;
    }
    return undefined;
  }

  async pull(): Promise<void> {
    try {
      const next = this.#buffered.shift();
      if (next) {
        this.#send(next);
        return;
      }
      const result = await (this.#pending ?? this.reader.read());
      this.#pending = undefined;
      if (result.done) {
        this.#forget();
        post({ type: "response-chunk", id: this.id, chunk: null });
        return;
      }
      this.#send(result.value);
    } catch (error) {
      this.#forget();
      post({ type: "app-error", id: this.id, message: describe(error), midStream: true });
    }
  }

  /** One chunk per pull, at most MAX_CHUNK_BYTES of it (the rest waits for the next pulls). */
  #send(bytes: Uint8Array): void {
    if (bytes.byteLength > MAX_CHUNK_BYTES) {
      this.#buffered.unshift(bytes.subarray(MAX_CHUNK_BYTES));
      bytes = bytes.subarray(0, MAX_CHUNK_BYTES);
    }
    post({ type: "response-chunk", id: this.id, chunk: copyBytes(bytes) });
  }

  #forget(): void {
    afterRequest();
    responses.delete(this.id);
    aborts.delete(this.id);
    bodyWaiters.delete(this.id);
  }

  async cancel(reason: string): Promise<void> {
    this.#forget();
    await this.reader.cancel(reason).catch(() => {});
  }
}

function concat(chunks: Uint8Array[], size: number): ArrayBuffer {
  if (chunks.length === 1) return copyBytes(chunks[0] as Uint8Array);
  const out = new Uint8Array(size);
  let offset = 0;
  for (const chunk of chunks) {
    out.set(chunk, offset);
    offset += chunk.byteLength;
  }
  return out.buffer;
}

async function stop(): Promise<void> {
  try {
    await app?.onTerminate?.();
  } catch (error) {
    console.error("[buntime] onTerminate threw:", error);
  }
  // What onTerminate wrote goes first: the host ends the worker as soon as it hears `stopped`.
  flushLogs();
  post({ type: "stopped" });
}

/**
 * In a process of its own, the app's memory is what the process grew by since it started: the
 * main thread's `heapUsed` is only updated by a collection (measured: 41 MB reported for 160 MB
 * of live objects), so the larger of the two counts. In a thread, `heapUsed` is the measure.
 */
const startRss = isChildProcess() ? process.memoryUsage().rss : undefined;

/** Posts memory use: as the answer to ping `seq`, or (seq 0) only when over the app's limit. */
function reportMemory(seq: number): void {
  const usage = process.memoryUsage();
  const { rss } = usage;
  const heapUsed = startRss === undefined ? usage.heapUsed : Math.max(usage.heapUsed, rss - startRss);
  if (seq !== 0 || heapUsed > maxMemoryBytes) post({ type: "pong", seq, heapUsed, rss });
}

/** After a request ends: report when over `maxMemory`, so the host recycles without waiting for a ping. */
function afterRequest(): void {
  if (maxMemoryBytes > 0) reportMemory(0);
}

/** What an app threw, as text; never throws itself (an object may have no `toString`, or one that throws). */
function describe(error: unknown): string {
  try {
    return error instanceof Error ? `${error.name}: ${error.message}` : String(error);
  } catch {
    return "a thrown value that cannot be shown as text";
  }
}
