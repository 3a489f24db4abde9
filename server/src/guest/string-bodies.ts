/**
 * Bun.serve sends `text/plain;charset=utf-8` for a `new Response("text")` without a content
 * type, but adds that header only while writing the socket: a worker's response carries no
 * trace of it, and once its bytes cross to the host, Bun would send `application/octet-stream`.
 * This makes the worker's `Response` record the implied type for string bodies, as the app
 * would get from Bun.serve directly. `instanceof Response` holds for every response, as before.
 */
export function rememberStringBodyType(): void {
  const Original = globalThis.Response;
  class Response extends Original {
    // Responses made elsewhere (fetch, Response.json, libraries) are Responses too.
    static override [Symbol.hasInstance](value: unknown): boolean {
      return value instanceof Original;
    }

    constructor(body?: BodyInit | null, init?: ResponseInit) {
      super(body, init);
      if (typeof body === "string" && !this.headers.has("content-type")) {
        this.headers.set("content-type", "text/plain;charset=utf-8");
      }
    }
  }
  globalThis.Response = Response as typeof globalThis.Response;
}
