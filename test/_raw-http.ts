/**
 * Raw HTTP/1.1 over a TCP socket, for requests `fetch` would rewrite: it normalises `..` and
 * `%2e%2e` in URLs before sending, so path-traversal attempts must be written by hand.
 *
 * @example
 * const res = await rawRequest(server.port, "GET /spa/../secret.json HTTP/1.1");
 * expect(res.status).toBe(404);
 */

export interface RawResponse {
  status: number;
  headers: Record<string, string>;
  /** The body as text, de-chunked when the server used chunked transfer encoding (ASCII bodies only). */
  body: string;
  /** Everything the server wrote, as text. */
  raw: string;
}

/** Sends `requestLine` (plus `Host` and `Connection: close`) and reads the answer until the socket closes. */
export function rawRequest(port: number, requestLine: string, extraHeaders = ""): Promise<RawResponse> {
  return rawExchange(port, `${requestLine}\r\nHost: 127.0.0.1\r\nConnection: close\r\n${extraHeaders}\r\n`);
}

/**
 * Sends `text` byte for byte (request line, headers and all: no Host added) and reads the answer
 * until the server closes the socket (send `Connection: close`, or HTTP/1.0).
 */
export async function rawExchange(port: number, text: string): Promise<RawResponse> {
  const { promise, resolve, reject } = Promise.withResolvers<string>();
  const decoder = new TextDecoder();
  let raw = "";
  await Bun.connect({
    hostname: "127.0.0.1",
    port,
    socket: {
      open(socket) {
        socket.write(text);
      },
      data(_socket, data) {
        raw += decoder.decode(data, { stream: true });
      },
      close() {
        resolve(raw);
      },
      error(_socket, error) {
        reject(error);
      },
    },
  });
  return parse(await promise);
}

/** A kept-alive connection: requests one after another on one socket, and the moment it closes. */
export interface KeptAlive {
  /** Sends `text` and resolves with the response once it is complete (Content-Length or chunked). */
  request(text: string): Promise<RawResponse>;
  /** Resolves when the socket closes, whichever side closed it. */
  readonly closed: Promise<void>;
  /** Whether the socket has closed. */
  readonly isClosed: boolean;
  /** Closes the socket from this side (an afterAll). */
  end(): void;
}

/**
 * Opens a keep-alive connection to `port` (latin1 text, so byte counts match lengths).
 * @example
 * const conn = await keepAlive(server.port);
 * await conn.request("GET /hello/ HTTP/1.1\r\nHost: x\r\n\r\n");
 * await conn.closed; // the server's idle timeout
 */
export async function keepAlive(port: number): Promise<KeptAlive> {
  const closed = Promise.withResolvers<void>();
  let isClosed = false;
  let buffer = "";
  let waiting: { resolve: (res: RawResponse) => void; reject: (error: Error) => void } | undefined;
  const settle = () => {
    const length = complete(buffer);
    if (!waiting || length === undefined) return;
    const done = waiting;
    waiting = undefined;
    const text = buffer.slice(0, length);
    buffer = buffer.slice(length);
    done.resolve(parse(text));
  };
  const socket = await Bun.connect({
    hostname: "127.0.0.1",
    port,
    socket: {
      data(_socket, data) {
        buffer += Buffer.from(data).toString("latin1");
        settle();
      },
      close() {
        isClosed = true;
        waiting?.reject(new Error(`connection closed mid-response after ${JSON.stringify(buffer.slice(0, 200))}`));
        closed.resolve();
      },
      error() {},
    },
  });
  return {
    request(text) {
      if (isClosed) return Promise.reject(new Error("connection closed"));
      const { promise, resolve, reject } = Promise.withResolvers<RawResponse>();
      waiting = { resolve, reject };
      socket.write(text);
      return promise;
    },
    closed: closed.promise,
    get isClosed() {
      return isClosed;
    },
    end: () => socket.end(),
  };
}

/** The length of the first complete response in `text`, or undefined while it is incomplete. */
function complete(text: string): number | undefined {
  const split = text.indexOf("\r\n\r\n");
  if (split === -1) return undefined;
  const head = text.slice(0, split).toLowerCase();
  const bodyStart = split + 4;
  const length = /\r\ncontent-length: *(\d+)/.exec(head);
  if (length) {
    const end = bodyStart + Number(length[1]);
    return text.length >= end ? end : undefined;
  }
  if (/\r\ntransfer-encoding: *chunked/.test(head)) {
    if (text.startsWith("0\r\n\r\n", bodyStart)) return bodyStart + 5;
    const last = text.indexOf("\r\n0\r\n\r\n", bodyStart);
    return last === -1 ? undefined : last + 7;
  }
  return bodyStart;
}

function parse(raw: string): RawResponse {
  const split = raw.indexOf("\r\n\r\n");
  if (split === -1) throw new Error(`not an HTTP response: ${JSON.stringify(raw.slice(0, 200))}`);
  const [statusLine = "", ...lines] = raw.slice(0, split).split("\r\n");
  const status = Number(statusLine.split(" ")[1]);
  const headers: Record<string, string> = {};
  for (const line of lines) {
    const colon = line.indexOf(":");
    headers[line.slice(0, colon).trim().toLowerCase()] = line.slice(colon + 1).trim();
  }
  const rest = raw.slice(split + 4);
  const body = headers["transfer-encoding"]?.includes("chunked") ? dechunk(rest) : rest;
  return { status, headers, body, raw };
}

function dechunk(text: string): string {
  let out = "";
  let at = 0;
  while (at < text.length) {
    const eol = text.indexOf("\r\n", at);
    const size = Number.parseInt(text.slice(at, eol), 16);
    if (!(size > 0)) break;
    out += text.slice(eol + 2, eol + 2 + size);
    at = eol + 2 + size + 2;
  }
  return out;
}
