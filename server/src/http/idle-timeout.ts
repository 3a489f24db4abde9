/**
 * The client connection's idle timeout around one request (HTTP_IDLE_TIMEOUT, Bun.serve's
 * `idleTimeout`).
 *
 * Bun keeps one idle timeout per connection, and `server.timeout(request, s)` replaces it for
 * the rest of the connection, not for the request; once a response is written the call does
 * nothing. A `timeout(request, 0)` left in place keeps an idle keep-alive connection open for
 * ever. So, for an answer that is not ready at once:
 *
 * - `liftIdleTimeout` sets 0 while it is pending: a slow app must not be cut at the socket's
 *   idle timeout (the app's own `timeout` bounds it, with a 504);
 * - `restoreIdleTimeout` sets it back before the response is written: at once for a body the
 *   runtime has whole, and at the end of the stream for a body the app streams (an event
 *   stream may be silent for longer than the idle timeout; the app's `timeout` bounds it too).
 *
 * The runtime's own streams (`/_/sse`) write at least every second and are not lifted.
 */
import { isStreamedResponse, whenStreamEnds } from "../pool/exchange.ts";
import type { HostSocket } from "../pool/socket.ts";

/** The connection a request came on, as Bun's server exposes it (the server object qualifies). */
export interface RequestSocket {
  requestIP(request: Request): { address: string } | null;
  timeout(request: Request, seconds: number): void;
  /** Makes the connection a WebSocket (Bun's `server.upgrade`); false when it cannot be. */
  upgrade?(request: Request, options: { data: HostSocket; headers: Headers }): boolean;
}

/** No idle timeout on `request`'s connection until `restoreIdleTimeout`. */
export function liftIdleTimeout(socket: RequestSocket, request: Request): void {
  socket.timeout(request, 0);
}

/**
 * Puts `idleSeconds` back on `request`'s connection before `response` is written: now, or for an
 * app's streamed body when its stream ends. Returns the response (no socket: a request made
 * in-process, nothing to do).
 */
export function restoreIdleTimeout(
  socket: RequestSocket | undefined,
  request: Request,
  response: Response,
  idleSeconds: number,
): Response {
  if (!socket) return response;
  // The stream's end is seen before Bun writes it: the response is still Bun's, so the call
  // takes (after it, it would do nothing). The closure only for streams: not on the hot path.
  if (isStreamedResponse(response)) whenStreamEnds(response, () => socket.timeout(request, idleSeconds));
  else socket.timeout(request, idleSeconds);
  return response;
}
