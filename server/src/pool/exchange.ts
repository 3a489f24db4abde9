import { BuntimeError, errorResponse } from "../errors.ts";
import type {
  HeaderList,
  HeaderRecord,
  HostMessage,
  ResponseChunkMessage,
  ResponseHeadMessage,
} from "../protocol/protocol.ts";
import { copyBytes, ProtocolError } from "../protocol/protocol.ts";
import type { BodyReader } from "../util/body-reader.ts";

/** Bodies up to this size with a known length are read whole and sent with the request. */
const INLINE_BODY_LIMIT = 64 * 1024;

/** What the host forwards to the worker for one request. */
export interface ForwardedRequest {
  request: Request;
  /** The URL the app sees (prefix removed). */
  url: string;
  headers: HeaderRecord;
  /** Clock time the request reached the pool: its `timeout` counts from here, queueing included. */
  arrivedAt?: number;
  /** The range the client asked for (`/<name>@<range>`; undefined: none): resolved again on a retry. */
  range?: string;
  /** Times it was dispatched again because its version was replaced while it waited. */
  retries?: number;
  /**
   * Not a request but a run of the app's `scheduled` handler (`schedules/`): the worker answers
   * 204 when it ended, an app error when it threw; `request` is a stand-in.
   */
  scheduled?: { cron: string; scheduledTime: number };
}

/** The responses whose body the app was still streaming when their head arrived, to their exchange. */
const streamed = new WeakMap<Response, Exchange>();

/**
 * Whether `response` is an app's streamed answer: its end is not known from its head (an event
 * stream, a large or unknown-length body). The HTTP server keeps such a connection open until it ends.
 */
export function isStreamedResponse(response: Response): boolean {
  return streamed.has(response);
}

/**
 * Calls `callback` once when the exchange behind an app's streamed `response` ends (its last
 * chunk, an error, the client leaving), synchronously, before the HTTP server has read that
 * end; at once if it has ended. Does nothing for other responses.
 */
export function whenStreamEnds(response: Response, callback: () => void): void {
  streamed.get(response)?.whenEnded(callback);
}

/**
 * The worker an exchange goes through, as the exchange sees it. One per worker, shared by its
 * exchanges (two closures per request were a measurable part of the garbage).
 */
export interface ExchangeOwner {
  /** Sends a message to the worker; byte fields are transferred, not copied. */
  send(message: HostMessage): void;
  /** `exchange` ended (once). */
  ended(exchange: Exchange): void;
}

/**
 * One request's trip through a worker, on the host side: sends the request, feeds the request
 * body as the worker pulls it, turns the worker's answer into a `Response` whose body the client
 * pulls, and ends exactly once (`onEnd`), whichever way it ends.
 */
export class Exchange {
  readonly id: number;
  /** Real time the exchange began (for the client-abort watch). */
  readonly startedAt = performance.now();
  readonly #owner: ExchangeOwner;
  #resolve!: (response: Response) => void;
  #requestBody: BodyReader | undefined;
  #responseBody: ReadableStreamDefaultController<Uint8Array> | undefined;
  #chunkWaiter: (() => void) | undefined;
  /** A read of the request body is under way (the guest pulls one chunk at a time). */
  #pulling = false;
  #headSeen = false;
  #ended = false;
  #whenEnded: (() => void) | undefined;
  /** Resolves with the response for the client: the app's, or the runtime's error. */
  readonly response: Promise<Response>;

  constructor(id: number, owner: ExchangeOwner) {
    this.id = id;
    this.#owner = owner;
    this.response = new Promise((resolve) => {
      this.#resolve = resolve;
    });
  }

  get ended(): boolean {
    return this.#ended;
  }

  /** The worker's answer (a head, an upgrade) or the runtime's error has gone to the client. */
  get answered(): boolean {
    return this.#headSeen;
  }

  /** Calls `callback` when the exchange ends (at once if it has); one callback at a time. */
  whenEnded(callback: () => void): void {
    if (this.#ended) callback();
    else this.#whenEnded = callback;
  }

  /** Sends the request; small bodies of known length travel inline, others are pulled. */
  start(forward: ForwardedRequest): void {
    if (forward.scheduled) {
      this.#owner.send({ type: "scheduled", id: this.id, ...forward.scheduled });
      return;
    }
    const { request } = forward;
    if (request.body === null) {
      this.#sendRequest(forward, null);
      return;
    }
    const length = Number(request.headers.get("content-length") ?? Number.NaN);
    if (length <= INLINE_BODY_LIMIT) {
      request.arrayBuffer().then(
        (body) => this.#sendRequest(forward, body),
        (error) => this.fail(asBuntimeError(error)),
      );
      return;
    }
    this.#requestBody = request.body.getReader();
    this.#sendRequest(forward, "stream");
  }

  #sendRequest(forward: ForwardedRequest, body: ArrayBuffer | "stream" | null): void {
    if (this.#ended) return;
    const { request } = forward;
    const message = {
      type: "request",
      id: this.id,
      method: request.method,
      url: forward.url,
      headers: forward.headers,
      body,
    } as const;
    this.#owner.send(message);
  }

  /**
   * The worker asked for the next request-body chunk. A pull while one is under way is ignored:
   * the guest never sends one, and app code posting its own would queue a read per post, held
   * until the client sends (host memory a hostile app could grow).
   */
  async pullRequestBody(): Promise<void> {
    const reader = this.#requestBody;
    if (!reader || this.#pulling) return;
    let result: Awaited<ReturnType<BodyReader["read"]>>;
    this.#pulling = true;
    try {
      result = await reader.read();
    } catch (error) {
      // The client's body failed (or went over MAX_BODY_SIZE): tell the app, answer the client.
      this.#owner.send({ type: "request-chunk", id: this.id, chunk: null, error: String(error) });
      this.fail(asBuntimeError(error));
      return;
    } finally {
      this.#pulling = false;
    }
    if (this.#ended) return;
    if (result.done) {
      this.#requestBody = undefined;
      this.#owner.send({ type: "request-chunk", id: this.id, chunk: null });
      return;
    }
    const chunk = copyBytes(result.value);
    this.#owner.send({ type: "request-chunk", id: this.id, chunk });
  }

  /**
   * The worker answered with a status and headers.
   * @throws TypeError when `Headers` refuses a header (the worker is then treated as crashed):
   * thrown before anything is answered, so the exchange can still fail with the crash's 502.
   */
  onHead(message: ResponseHeadMessage): void {
    if (this.#ended || this.#headSeen) return;
    const init = { status: message.status, statusText: message.statusText, headers: toHeaders(message.headers) };
    this.#headSeen = true;
    if (message.text !== undefined) {
      this.#resolve(new Response(message.text, init));
      this.#end();
      return;
    }
    if (message.body !== "stream") {
      this.#resolve(new Response(wholeBody(message.body), init));
      this.#end();
      return;
    }
    const body = new ReadableStream<Uint8Array>({
      start: (controller) => {
        this.#responseBody = controller;
      },
      pull: () =>
        new Promise<void>((resolve) => {
          this.#chunkWaiter = resolve;
          this.#owner.send({ type: "response-pull", id: this.id });
        }),
      cancel: (reason) => {
        this.#owner.send({ type: "abort", id: this.id, reason: `client went away: ${String(reason)}` });
        this.#end();
      },
    });
    const response = new Response(body, init);
    streamed.set(response, this);
    this.#resolve(response);
  }

  /**
   * The app upgraded the request to a WebSocket: the answer is `response`, a 101 standing for
   * the socket (`pool/socket.ts`), and the exchange ends (the socket lives on in its worker).
   */
  onUpgrade(response: Response): void {
    if (this.#ended || this.#headSeen) return;
    this.#headSeen = true;
    this.#resolve(response);
    this.#end();
  }

  /**
   * A chunk of a streamed response (null: the end), the answer to the one pull under way.
   * @throws ProtocolError for a chunk the host did not ask for (no streamed head, or no pull):
   * the guest sends one per pull, so only app code posts those, and queueing them would let an
   * app fill the host's memory while its client reads slowly.
   */
  onChunk(message: ResponseChunkMessage): void {
    if (this.#ended) return;
    const controller = this.#responseBody;
    if (!controller || this.#chunkWaiter === undefined) {
      throw new ProtocolError(`a response chunk for request ${this.id} the host did not ask for`);
    }
    if (message.chunk === null) {
      controller.close();
      this.#end();
    } else {
      controller.enqueue(new Uint8Array(message.chunk));
    }
    this.#wakePull();
  }

  /** Stops the app's work on this request (client gone, timeout) and ends with `error`. */
  abort(reason: string, error = new BuntimeError("INTERNAL_ERROR", reason)): void {
    if (this.#ended) return;
    this.#owner.send({ type: "abort", id: this.id, reason });
    this.fail(error);
  }

  /**
   * Ends the exchange with a runtime error: the client gets the error response when nothing was
   * answered yet, or a cut stream when the app's body was already flowing.
   */
  fail(error: BuntimeError): void {
    if (this.#ended) return;
    if (!this.#headSeen) {
      this.#headSeen = true;
      this.#resolve(errorResponse(error));
    } else {
      try {
        this.#responseBody?.error(error);
      } catch {
        // already closed by the client
      }
      this.#wakePull();
    }
    void this.#requestBody?.cancel().catch(() => {});
    this.#end();
  }

  #wakePull(): void {
    const wake = this.#chunkWaiter;
    this.#chunkWaiter = undefined;
    wake?.();
  }

  #end(): void {
    if (this.#ended) return;
    this.#ended = true;
    this.#owner.ended(this);
    this.#whenEnded?.();
    this.#whenEnded = undefined;
  }
}

/**
 * Bun.serve writes a buffer body of 16 KiB or more about five times slower when the Response is
 * made after a macrotask (as every proxied answer is) than a one-chunk stream of the same bytes
 * (measured: 64 KiB at ~11k vs ~47k req/s). Larger bodies go out as a one-chunk stream.
 */
const STREAM_ABOVE_BYTES = 8 * 1024;

function wholeBody(body: ArrayBuffer | null): ArrayBuffer | ReadableStream<Uint8Array> | null {
  if (body === null || body.byteLength <= STREAM_ABOVE_BYTES) return body;
  return new ReadableStream<Uint8Array>({
    pull(controller) {
      controller.enqueue(new Uint8Array(body));
      controller.close();
    },
  });
}

/**
 * A header list as `Headers`, appended one by one: Bun converts a list of pairs given to
 * `new Response` through the iteration protocol, pair by pair, about twice as slowly.
 */
function toHeaders(list: HeaderList): Headers {
  const headers = new Headers();
  for (const [name, value] of list) headers.append(name, value);
  return headers;
}

function asBuntimeError(error: unknown): BuntimeError {
  if (error instanceof BuntimeError) return error;
  return new BuntimeError("INTERNAL_ERROR", `request body failed: ${String(error)}`);
}
