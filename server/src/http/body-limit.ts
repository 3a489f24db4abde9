import { BuntimeError } from "../errors.ts";

/**
 * Enforces MAX_BODY_SIZE without buffering: a declared `content-length` over the limit is
 * refused at once; a body of unknown length is counted as it streams and fails with
 * BODY_TOO_LARGE the moment it passes the limit.
 */
export function limitBody(request: Request, maxBytes: number): Request {
  if (request.body === null) return request;
  const tooLarge = () => new BuntimeError("BODY_TOO_LARGE", `request body over ${maxBytes} bytes`);
  const declared = request.headers.get("content-length");
  if (declared !== null) {
    if (Number(declared) > maxBytes) throw tooLarge();
    return request;
  }
  let seen = 0;
  const counted = request.body.pipeThrough(
    new TransformStream<Uint8Array, Uint8Array>({
      transform(chunk, controller) {
        seen += chunk.byteLength;
        if (seen > maxBytes) controller.error(tooLarge());
        else controller.enqueue(chunk);
      },
    }),
  );
  return new Request(request, { body: counted, signal: request.signal, duplex: "half" } as RequestInit);
}
