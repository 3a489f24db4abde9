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
export async function rawRequest(port: number, requestLine: string, extraHeaders = ""): Promise<RawResponse> {
  const { promise, resolve, reject } = Promise.withResolvers<string>();
  const decoder = new TextDecoder();
  let raw = "";
  await Bun.connect({
    hostname: "127.0.0.1",
    port,
    socket: {
      open(socket) {
        socket.write(`${requestLine}\r\nHost: 127.0.0.1\r\nConnection: close\r\n${extraHeaders}\r\n`);
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
