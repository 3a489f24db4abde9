/** Bodies up to this size that were whole when their Response was made are read in one piece. */
export const WHOLE_BODY_LIMIT = 1024 * 1024;

/** String bodies up to this many characters cross as text, not bytes (see `inlineText`). */
export const INLINE_TEXT_LIMIT = 4096;

/**
 * Responses the app made with a body that was whole from the start (see `isWholeBody`), with
 * the body itself when it was a short string.
 */
const wholeBodies = new WeakMap<Response, string | undefined>();

/**
 * Makes the worker's `Response` constructor note two things about the body it is given, so the
 * guest can answer as Bun.serve would and as cheaply as it can:
 *
 * - Bun.serve sends `text/plain;charset=utf-8` for a `new Response("text")` without a content
 *   type, but adds that header only while writing the socket: a worker's response carries no
 *   trace of it, and once its bytes cross to the host, Bun would send `application/octet-stream`.
 *   String bodies get the implied type recorded here.
 * - A body that was whole when the Response was made (a string, bytes, a Blob) is read with one
 *   `arrayBuffer()` instead of a stream reader polled chunk by chunk (about 1 µs less per
 *   request), and a short string is not read at all: it crosses as text.
 *
 * `instanceof Response` holds for every response, as before (those from `fetch`,
 * `Response.json` or libraries included; they take the stream path).
 */
export function patchResponse(): void {
  globalThis.Response = recordingResponse(globalThis.Response);
}

/** The `Response` class `patchResponse` installs, made from `Original` (tests use it directly). */
export function recordingResponse(Original: typeof globalThis.Response): typeof globalThis.Response {
  return class Response extends Original {
    static override [Symbol.hasInstance](value: unknown): boolean {
      return value instanceof Original;
    }

    constructor(body?: BodyInit | null, init?: ResponseInit) {
      super(body, init);
      if (typeof body === "string") {
        if (!this.headers.has("content-type")) this.headers.set("content-type", "text/plain;charset=utf-8");
        // A UTF-16 code unit is at most 3 bytes of UTF-8.
        if (body.length * 3 <= WHOLE_BODY_LIMIT) {
          wholeBodies.set(this, body.length <= INLINE_TEXT_LIMIT ? body : undefined);
        }
      } else if (body !== null && body !== undefined && isWhole(body)) {
        wholeBodies.set(this, undefined);
      }
    }
  } as typeof globalThis.Response;
}

/** Whether `response`'s body was whole (and at most WHOLE_BODY_LIMIT bytes) when it was made. */
export function isWholeBody(response: Response): boolean {
  return wholeBodies.has(response);
}

/**
 * The body of `response` when it was made from a short string and is still unread: it can
 * cross as text, with no read and no bytes to move (strings are immutable, so it is what the
 * app gave). Undefined otherwise.
 */
export function inlineText(response: Response): string | undefined {
  return response.bodyUsed ? undefined : wholeBodies.get(response);
}

function isWhole(body: BodyInit): boolean {
  if (body instanceof ArrayBuffer || ArrayBuffer.isView(body)) return body.byteLength <= WHOLE_BODY_LIMIT;
  if (body instanceof Blob) return body.size <= WHOLE_BODY_LIMIT;
  return body instanceof URLSearchParams;
}
